"""Recent prompts (searchable, one click to use) and named presets of the whole form."""

from __future__ import annotations

import streamlit as st

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


def _presets(book: PromptBook, session: Session) -> None:
    names = book.presets()
    name = st.text_input("Save the form as", key=Keys.PRESET_NAME, placeholder="Preset name")
    if st.button("Save preset", icon=":material/bookmark_add:", key="preset_save"):
        try:
            saved = save_preset(book, name, session.draft)
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.toast(f"Preset “{saved}” saved.", icon=":material/bookmark:")
            st.rerun()
    if not names:
        st.caption("No presets yet. A preset keeps every setting and image URLs (not files).")
        return
    chosen = st.selectbox("Preset", names, key=Keys.PRESET_CHOICE)
    cols = st.columns(3)
    cols[0].button(
        "Apply",
        key="preset_apply",
        icon=":material/input:",
        on_click=_apply,
        args=(book, session, chosen),
    )
    if cols[1].button("Delete", key="preset_delete", icon=":material/delete:"):
        book.delete_preset(chosen)
        st.rerun()
    new = cols[2].text_input(
        "Rename to", key=Keys.PRESET_RENAME, label_visibility="collapsed", placeholder="New name"
    )
    if new and cols[2].button("Rename", key="preset_rename_go"):
        try:
            book.rename_preset(chosen, new)
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.rerun()


def render_prompt_tools(book: PromptBook, session: Session) -> None:
    """An expander with the prompt history and the presets."""
    with st.expander("Recent prompts and presets", icon=":material/bookmarks:", key="prompt_tools"):
        history, presets = st.tabs(["Recent prompts", "Presets"])
        with history:
            _history(book, session)
        with presets:
            _presets(book, session)
