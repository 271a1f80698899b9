"""Start image / end frame input: upload or URL, preview, framing for the aspect ratio, checks."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.safe import md_escape
from modelhunter import images
from playground import preview
from playground.form_schema import FieldSpec, form_fields
from playground.image_pick import pick_upload, pick_url
from playground.samples import SAMPLES, sample_named, thumbnail
from playground.state import Session

__all__ = ["check_new_uploads", "input_key", "render_image_input"]

# The uploader takes any file: our own check then says in plain words why a GIF or a PDF
# can't be used (a `type=` filter would refuse it with an icon whose reason shows on hover).
# The uploader lets a little more through (server.maxUploadSize in .streamlit/config.toml):
# our own check then refuses a file over the API's limit in the app's words.
_LIMIT = images.format_size(images.MAX_BYTES)


@st.cache_data(max_entries=32, show_spinner=False)
def _framed_preview(sha256: str, aspect_ratio: str, _data: bytes) -> bytes:
    small = preview.make_preview(_data, max_side=768)
    return preview.framing_preview(small, aspect_ratio)


@st.cache_data(max_entries=64, show_spinner=False)
def _report(sha256: str, filename: str, _data: bytes) -> images.ImageReport:
    return images.inspect_image(_data, filename=filename)


def input_key(field: str, generation: int) -> str:
    """The key of an image field's input (its widgets' keys start with it)."""
    return f"img|{field}|{generation}"


def _on_upload(session: Session, field: str, wkey: str) -> None:
    """A new file: the last one's refusal goes at once; the (possibly slow) check runs
    in the page, under a spinner (`check_new_uploads`)."""
    session.image_errors.pop(field, None)
    st.session_state[f"{wkey}#check"] = st.session_state.get(wkey) is not None


def check_new_uploads(session: Session, where: DeltaGenerator) -> None:
    """Check the files just chosen in the form's upload boxes, before the page reads the
    form: the price, the problems and Generate see the picture in this same run, and its
    preview is drawn in it (no second run first). A 50 MB photo takes seconds: its spinner
    shows in `where` (the page gives the top of the form)."""
    for spec in form_fields(session.draft.model):
        wkey = f"{input_key(spec.name, session.form_generation)}|upload"
        if spec.kind != "image" or not st.session_state.pop(f"{wkey}#check", False):
            continue
        uploaded = st.session_state.get(wkey)
        if uploaded is not None:
            with where.spinner("Checking the picture…"):
                session.take_image(spec.name, pick_upload(uploaded.getvalue(), uploaded.name))


def _on_url(session: Session, field: str, wkey: str) -> None:
    url = str(st.session_state.get(wkey) or "").strip()
    if url:
        session.take_image(field, pick_url(url))


def _on_sample(session: Session, field: str, wkey: str) -> None:
    sample = sample_named(str(st.session_state.get(wkey) or ""))
    if sample is None:
        return
    session.take_image(field, pick_upload(sample.data(), sample.file))
    values = session.draft.values
    typed = str(values.get("input.prompt") or "").strip()
    if not typed or typed in {s.prompt for s in SAMPLES}:  # the user's own prompt is kept
        values["input.prompt"] = sample.prompt
    values["input.aspect_ratio"] = sample.aspect_ratio
    session.form_generation += 1  # the form's widgets show the new values


@st.cache_data(show_spinner=False)
def _thumbnail(file: str) -> bytes:
    return thumbnail(next(s for s in SAMPLES if s.file == file))


def _samples(session: Session, field: str, key: str) -> None:
    """No picture at hand? A few made by the project, each with a prompt that suits it."""
    st.pills(
        "No picture at hand? Try a sample",
        [s.title for s in SAMPLES],
        key=f"{key}|sample",
        on_change=_on_sample,
        args=(session, field, f"{key}|sample"),
        help="Uses this picture, with a prompt and shape that suit it (your prompt is kept).",
        wrap=True,
    )
    # the pictures in the order of the choices above, which already name them
    st.image([_thumbnail(s.file) for s in SAMPLES], width=84)


def _describe(report: images.ImageReport, name: str) -> str:
    size = images.format_size(report.size_bytes)  # the same formatter as every size message
    return f"{name} · {report.width}×{report.height} px · {size} · {report.format}"


def _show_preview(sha256: str, aspect_ratio: str, data: bytes) -> None:
    try:
        st.image(_framed_preview(sha256, aspect_ratio, data))
    except preview.PreviewError as exc:  # e.g. too large to preview within the budget
        st.info(md_escape(exc.message), icon=":material/hide_image:")


def render_image_input(spec: FieldSpec, session: Session, *, aspect_ratio: str, key: str) -> None:
    """Draw the input for one image field of the form."""
    field = spec.name
    choice = session.draft.images.get(field)
    optional = spec.optional
    st.markdown(f"**{spec.title}**" + (" (optional)" if optional else ""), help=spec.help)
    data = session.image_bytes.get(choice.sha256) if choice and choice.sha256 else None
    if choice is not None:
        with st.container(border=True):
            if data is not None:
                report = _report(choice.sha256 or "", choice.name, data)
                _show_preview(choice.sha256 or "", aspect_ratio, data)
                st.caption(md_escape(_describe(report, choice.name)))
                st.caption(preview.framing(report.width, report.height, aspect_ratio).description)
                for warning in report.warnings:
                    st.warning(md_escape(warning), icon=":material/info:")
            else:
                st.caption(md_escape(f"URL: {choice.url}"))
                note = session.image_notes.get(field)
                if note:
                    st.caption(md_escape(note))
            st.button(
                "Remove",
                key=f"{key}|remove",
                icon=":material/close:",
                on_click=session.drop_image,
                args=(field,),
            )
        return
    upload_tab, url_tab = st.tabs(["Upload", "From URL"])
    with upload_tab:
        st.file_uploader(
            f"{spec.title} file",
            key=f"{key}|upload",
            on_change=_on_upload,
            args=(session, field, f"{key}|upload"),
            label_visibility="collapsed",
            help=f"PNG, JPEG or WebP, at least 128 px a side, up to {_LIMIT}.",
        )
    with url_tab:
        st.text_input(
            f"{spec.title} URL",
            key=f"{key}|url",
            placeholder="https://example.com/photo.jpg",
            on_change=_on_url,
            args=(session, field, f"{key}|url"),
            label_visibility="collapsed",
        )
    for error in session.image_errors.get(field, []):
        st.error(md_escape(error), icon=":material/block:")
    if not optional:
        _samples(session, field, key)
