"""Copy as code and settings links: the side panel's "take it elsewhere" tools.

- Copy as code: the current form (as the next Generate will send it, with its client_ref) or
  any past run (as it was sent), in cURL, Python and JavaScript.
- Settings link / file: the form's settings in the page address or a JSON file; opening such a
  link (or importing a file) fills the form and says what was ignored.
"""

from __future__ import annotations

import hashlib
import json

import streamlit as st

from components.safe import md_escape
from modelhunter.requests import KlingV3Request, KlingV26Request
from playground.code_snippets import LocalImage, Snippets, as_sent, snippets
from playground.draft import Draft
from playground.jobs import new_run_id
from playground.links import (
    LinkRead,
    link_params,
    link_url,
    read_file,
    read_settings,
    settings_file,
)
from playground.runs import Run
from playground.state import Keys, Session

__all__ = [
    "LINK_NOTES",
    "apply_link",
    "next_run_id",
    "render_code",
    "render_code_button",
    "render_link_notes",
    "render_links",
    "settings_notice",
]

LINK_NOTES = "link_notes"  # the container of what a link or file left out
_STREAMLIT = frozenset({"embed", "embed_options"})  # Streamlit's own address parameters


def next_run_id() -> str:
    """The id (= client_ref) the next Generate of this session sends."""
    return st.session_state.setdefault(Keys.NEXT_RUN_ID, new_run_id())


def _fill(session: Session, read: LinkRead) -> None:
    if read.draft is None:
        return
    session.draft = read.draft
    session.form_generation += 1
    # the model picker's own state wins over the draft's model: set it too (before the picker)
    st.session_state[Keys.MODEL] = read.draft.model


def settings_notice(read: LinkRead, source: str) -> None:
    """Say what a link or file filled (a toast) and what it ignored: kept on the page, above
    the form, until dismissed (`render_link_notes`)."""
    if read.draft is not None:
        st.toast(
            f"The form was filled from the {source}"
            + (" (what it ignored is listed above the form)." if read.ignored else "."),
            icon=":material/link:",
        )
    if read.ignored:
        st.session_state[Keys.LINK_SHOWN] = {
            "source": source,
            "used": list(read.used),
            "ignored": list(read.ignored),
            "filled": read.draft is not None,
        }
    else:
        st.session_state.pop(Keys.LINK_SHOWN, None)


def apply_link(session: Session) -> None:
    """Fill the form from the page address once, when it carries settings."""
    params = {k: st.query_params.get_all(k) for k in st.query_params if k not in _STREAMLIT}
    fingerprint = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
    if not params or st.session_state.get(Keys.LINK_APPLIED) == fingerprint:
        return
    st.session_state[Keys.LINK_APPLIED] = fingerprint
    read = read_settings(params, session.draft)
    _fill(session, read)
    settings_notice(read, "link")


def _dismiss_notes() -> None:
    st.session_state.pop(Keys.LINK_SHOWN, None)


def render_link_notes() -> None:
    """What the last settings link or file left out, and why, until dismissed (every value
    from the link is shown as text, never as markup)."""
    notes = st.session_state.get(Keys.LINK_SHOWN)
    if not isinstance(notes, dict) or not notes.get("ignored"):
        return
    source, ignored = notes["source"], notes["ignored"]
    with st.container(key=LINK_NOTES):
        head = (
            f"**The form was filled from the {source}, except for "
            f"{len(ignored)} setting{'s' * (len(ignored) != 1)} it ignored:**"
            if notes.get("filled")
            else f"**Nothing in the {source} could be used; the form is unchanged. Ignored:**"
        )
        lines = [head, *(f"- {md_escape(item)}" for item in ignored)]
        if notes.get("used"):
            lines.append(f"\nTaken from the {source}: {md_escape(', '.join(notes['used']))}.")
        st.warning("\n".join(lines), icon=":material/link_off:")
        st.button("OK", key=Keys.LINK_NOTES_OK, on_click=_dismiss_notes)


def render_links(session: Session) -> None:
    """Show the link to these settings (to copy), export and import them as JSON."""
    draft = session.draft
    if st.button("Show link to copy", icon=":material/link:", key=Keys.COPY_LINK):
        params = link_params(draft)
        st.query_params.from_dict(params)
        fingerprint = {k: [v] for k, v in params.items()}
        st.session_state[Keys.LINK_APPLIED] = hashlib.sha256(
            json.dumps(fingerprint, sort_keys=True).encode()
        ).hexdigest()
        st.session_state[Keys.LINK_TEXT] = link_url(str(st.context.url or ""), draft)
    if text := st.session_state.get(Keys.LINK_TEXT):
        st.code(text, language=None, wrap_lines=True)
        st.caption(
            "Copy it with the copy icon at the box's top right corner (it is in the address "
            "bar too). No key, no local image."
        )
    cols = st.columns(2)
    cols[0].download_button(
        "Export JSON",
        settings_file(draft),
        file_name="kling-settings.json",
        mime="application/json",
        icon=":material/download:",
        on_click="ignore",
        key=Keys.EXPORT_SETTINGS,
    )
    cols[1].file_uploader(
        "Import JSON",
        type=["json"],
        key=Keys.SETTINGS_IMPORT,
        label_visibility="collapsed",
        on_change=_import,
        args=(session,),
    )


def _import(session: Session) -> None:
    """A settings file was picked: fill the form from it (a callback: before the widgets)."""
    upload = st.session_state.get(Keys.SETTINGS_IMPORT)
    if upload is None:
        return
    read = read_file(upload.getvalue(), session.draft)
    _fill(session, read)
    settings_notice(read, "file")


def _local_images(draft: Draft, image_bytes: dict[str, bytes], body: dict) -> list[LocalImage]:
    return [
        LocalImage(
            field=name,
            name=choice.name,
            content_type=choice.content_type or "application/octet-stream",
            size_bytes=len(image_bytes.get(choice.sha256 or "", b"")),
            placeholder=choice.wire_url(),
        )
        for name, choice in draft.images.items()
        if choice.kind == "upload" and name in body.get("input", {})
    ]


def _tabs(code: Snippets) -> None:
    curl, python, js = st.tabs(["cURL", "Python", "JavaScript"])
    curl.code(code.curl, language="bash")
    python.code(code.python, language="python")
    js.code(code.javascript, language="javascript")


def render_code(
    session: Session,
    request: KlingV3Request | KlingV26Request | None,
    base_url: str,
    *,
    demo: bool,
) -> None:
    """The code for the current form, or for a past run picked here."""
    runs = [r for r in session.gallery() if r.request is not None][:50]
    labels: dict[str, Run | None] = {"The form as it is now": None}
    for run in runs:
        labels[f"{run.created_at.astimezone():%d %b %H:%M} · {run.prompt[:40]} · {run.run_id}"] = (
            run
        )
    picked = labels[st.selectbox("Code for", list(labels), key=Keys.CODE_FOR)]
    if picked is not None and picked.request is not None:
        _tabs(snippets(picked.request, base_url))
        st.caption("Exactly the body this run sent (its uploaded image URLs may have expired).")
        return
    if request is None:
        st.caption("Fix the form first: the code is made from a valid request.")
        return
    sent = as_sent(request, next_run_id())
    images = _local_images(session.draft, session.image_bytes, sent.wire())
    _tabs(snippets(sent, base_url, images))
    st.caption(
        "The exact bytes Generate sends next (client_ref is this app's reference for the run)."
        + (" Local images: uploaded in three steps first." if images else "")
        + (
            " Demo: the offline backend gets a copy of URL images; the API gets the URL."
            if demo
            else ""
        )
    )


def _close_code() -> None:
    st.session_state.pop(Keys.CODE_OPEN, None)


@st.dialog("Copy as code", width="large", icon=":material/terminal:", on_dismiss=_close_code)
def _code_dialog(
    session: Session,
    request: KlingV3Request | KlingV26Request | None,
    base_url: str,
    *,
    demo: bool,
) -> None:
    render_code(session, request, base_url, demo=demo)


def render_code_button(
    session: Session,
    request: KlingV3Request | KlingV26Request | None,
    base_url: str,
    *,
    demo: bool,
) -> None:
    """A "Copy as code" button opening the code, wide, in a dialog that stays open across
    reruns until it is closed (never over the paid-run confirmation: one dialog at a time)."""
    if st.button("Copy as code", icon=":material/terminal:", key=Keys.SHOW_CODE, width="stretch"):
        st.session_state[Keys.CODE_OPEN] = True
    if st.session_state.get(Keys.CONFIRMING):
        _close_code()
    if st.session_state.get(Keys.CODE_OPEN):
        _code_dialog(session, request, base_url, demo=demo)
