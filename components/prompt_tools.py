"""Recent prompts (searchable, one click to use) and named presets of the whole form."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.safe import md_escape
from playground.presets import apply_preset, load_preset, save_preset
from playground.prompt_book import PromptBook
from playground.state import Keys, Session

__all__ = ["render_prompt_tools"]

_KINDS = {
    "Prompts": ("prompt", "input.prompt"),
    "Negative prompts": ("negative_prompt", "input.negative_prompt"),
}


def _refill(session: Session) -> None:
    session.form_generation += 1  # the form's widgets are drawn afresh from the draft
    st.session_state[Keys.MODEL] = session.draft.model


def _use(session: Session, path: str, text: str) -> None:
    session.draft.values[path] = text
    _refill(session)


def _history(book: PromptBook, session: Session) -> None:
    kind_label = (
        st.segmented_control(
            "Recent",
            list(_KINDS),
            default="Prompts",
            key=Keys.PROMPT_KIND,
            label_visibility="collapsed",
        )
        or "Prompts"
    )
    kind, path = _KINDS[kind_label]
    search = st.text_input(
        "Search",
        key=Keys.PROMPT_SEARCH,
        placeholder="Search sent prompts…",
        label_visibility="collapsed",
    )
    texts = book.recent(kind, search, limit=8)  # type: ignore[arg-type]
    if not texts:
        st.caption("Nothing sent yet matches." if search else "Prompts you send appear here.")
    for n, text in enumerate(texts):
        row = st.columns([6, 1], vertical_alignment="center")
        row[0].text(text[:160] + ("…" if len(text) > 160 else ""))
        row[1].button(
            "Use",
            key=f"use_prompt|{kind}|{n}",
            on_click=_use,
            args=(session, path, text),
            help="Put this text in the form",
        )


def _apply(book: PromptBook, session: Session, name: str) -> None:
    preset = load_preset(book, name)
    if preset is None:
        st.toast("That preset can no longer be read.", icon=":material/error:")
        return
    session.draft = apply_preset(preset, session.draft)
    _refill(session)


def _save(book: PromptBook, session: Session) -> None:
    """Save preset (button or Enter): the name field is emptied and the preset chosen."""
    try:
        saved = save_preset(book, str(st.session_state.get(Keys.PRESET_NAME) or ""), session.draft)
    except ValueError as exc:
        st.session_state[Keys.PRESET_PROBLEM] = str(exc)
        return
    st.session_state[Keys.PRESET_NAME] = ""
    st.session_state[Keys.PRESET_CHOICE] = saved
    st.toast(f"Preset “{saved}” saved.", icon=":material/bookmark:")


def _rename(book: PromptBook) -> None:
    """Rename (button or Enter) the chosen preset; the field is emptied on success."""
    old = st.session_state.get(Keys.PRESET_CHOICE)
    new = str(st.session_state.get(Keys.PRESET_RENAME) or "").strip()
    if not new:
        st.session_state[Keys.PRESET_PROBLEM] = "Type the new name first."
        return
    try:
        renamed = book.rename_preset(str(old), new)
    except ValueError as exc:
        st.session_state[Keys.PRESET_PROBLEM] = str(exc)
        return
    st.session_state[Keys.PRESET_RENAME] = ""
    st.session_state[Keys.PRESET_CHOICE] = renamed
    st.toast(f"Preset renamed to “{renamed}”.", icon=":material/edit:")


def _delete(book: PromptBook) -> None:
    book.delete_preset(str(st.session_state.get(Keys.PRESET_CHOICE)))
    st.session_state.pop(Keys.PRESET_CHOICE, None)


def _named(
    form_key: str, label: str, field_key: str, placeholder: str, button: str, **click: Any
) -> None:
    """A name field and its button in one form: Enter in the field presses the button."""
    with st.form(form_key, border=False, enter_to_submit=True):
        field, go = st.columns([3, 1], vertical_alignment="bottom")
        field.text_input(label, key=field_key, placeholder=placeholder)
        go.form_submit_button(button, width="stretch", **click)


def _presets(book: PromptBook, session: Session) -> None:
    _named(
        "preset_save_form",
        "Save the form as",
        Keys.PRESET_NAME,
        "Preset name",
        "Save preset",
        key="preset_save",
        icon=":material/bookmark_add:",
        on_click=_save,
        args=(book, session),
    )
    if problem := st.session_state.pop(Keys.PRESET_PROBLEM, None):
        st.error(md_escape(problem), icon=":material/error:")
    names = book.presets()
    if not names:
        st.caption("No presets yet. A preset keeps every setting and image URLs (not files).")
        return
    if st.session_state.get(Keys.PRESET_CHOICE) not in names:
        st.session_state[Keys.PRESET_CHOICE] = names[0]
    chosen = st.selectbox("Preset", names, key=Keys.PRESET_CHOICE)
    cols = st.columns(2)
    cols[0].button(
        "Apply",
        key="preset_apply",
        icon=":material/input:",
        on_click=_apply,
        args=(book, session, chosen),
        width="stretch",
    )
    cols[1].button(
        "Delete",
        key="preset_delete",
        icon=":material/delete:",
        on_click=_delete,
        args=(book,),
        width="stretch",
    )
    _named(
        "preset_rename_form",
        "Rename it to",
        Keys.PRESET_RENAME,
        "New name",
        "Rename",
        key="preset_rename_go",
        icon=":material/edit:",
        on_click=_rename,
        args=(book,),
    )


def render_prompt_tools(book: PromptBook, session: Session) -> None:
    """An expander with the prompt history and the presets."""
    with st.expander("Recent prompts and presets", icon=":material/bookmarks:", key="prompt_tools"):
        history, presets = st.tabs(["Recent prompts", "Presets"])
        with history:
            _history(book, session)
        with presets:
            _presets(book, session)
