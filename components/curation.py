"""Curation controls: star, pick, hide, delete (asks; undo), title and note, the result link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from components.safe import md_escape
from playground.curation import MAX_NOTE, MAX_TITLE, UNDO_WINDOW, display_title
from playground.runs import Run
from playground.state import Keys

__all__ = [
    "Curation",
    "announce_undoable",
    "render_curation_bar",
    "render_title_note",
    "render_undo",
    "render_undo_tile",
]

Toggle = Callable[[str, bool], object]
Text = Callable[[str, str], object]
One = Callable[[str], object]


@dataclass(frozen=True)
class Curation:
    """What a result can be curated with, wired once by the page (by run id)."""

    star: Toggle
    hide: Toggle
    delete: One
    undo: One
    rename: Text
    note: Text
    pick: Toggle
    picked: frozenset[str] = field(default_factory=frozenset)
    confirming: str | None = None  # the run whose delete is being asked about
    ask_delete: Callable[[str | None], None] = lambda _run_id: None
    just: dict[str, str] = field(default_factory=dict)  # run id -> "deleted" | "hidden" just now


def render_curation_bar(run: Run, cur: Curation, *, key: str) -> None:
    """Star, pick (for Present and Export), hide, delete — one compact row."""
    rid = run.run_id
    if cur.confirming == rid:
        st.warning(
            "Delete this result? You can undo it for a few minutes.", icon=":material/delete:"
        )
        yes, no = st.columns(2)
        yes.button(
            "Delete",
            key=f"{key}|del_yes|{rid}",
            type="primary",
            on_click=_delete,
            args=(cur, rid),
            width="stretch",
        )
        no.button(
            "Keep",
            key=f"{key}|del_no|{rid}",
            on_click=cur.ask_delete,
            args=(None,),
            width="stretch",
        )
        return
    # Short words, not icons (a screen reader reads an icon's code); one row that wraps
    # rather than stacking into full-width bars on a phone.
    with st.container(horizontal=True, gap="small", key=f"{key}_bar_{rid}"):
        st.button(
            "Starred" if run.starred else "Star",
            key=f"{key}|star|{rid}",
            help="Unstar" if run.starred else "Star: keep it with your best results",
            type="primary" if run.starred else "secondary",
            on_click=cur.star,
            args=(rid, not run.starred),
        )
        st.checkbox(
            "Pick",
            value=rid in cur.picked,
            key=f"{key}|pick|{rid}",
            help="Pick for Present and Export",
            on_change=_pick,
            args=(cur, rid, f"{key}|pick|{rid}"),
        )
        st.button(
            "Unhide" if run.hidden else "Hide",
            key=f"{key}|hide|{rid}",
            help="Show it in the gallery again" if run.hidden else "Hide it from the gallery",
            on_click=cur.hide,
            args=(rid, not run.hidden),
        )
        st.button(
            "Delete",
            key=f"{key}|del|{rid}",
            help="Delete (asks first)" if not run.active else "Cancel the run before deleting it",
            on_click=cur.ask_delete,
            args=(rid,),
            disabled=run.active,
        )


def _pick(cur: Curation, run_id: str, widget: str) -> None:
    cur.pick(run_id, bool(st.session_state.get(widget)))


def _delete(cur: Curation, run_id: str) -> None:
    cur.ask_delete(None)
    cur.delete(run_id)


def render_title_note(run: Run, cur: Curation, *, key: str) -> None:
    """Rename the result and keep a note with it (saved as soon as the field is left)."""
    with st.expander(
        "Title and note", icon=":material/edit_note:", key=f"{key}|tn_open|{run.run_id}"
    ):
        title_key = f"{key}|title|{run.run_id}"
        note_key = f"{key}|note|{run.run_id}"
        st.text_input(
            "Title",
            value=run.title or "",
            max_chars=MAX_TITLE,
            key=title_key,
            placeholder=display_title(run)[:MAX_TITLE] if not run.title else None,
            help="Shown instead of the prompt in the gallery, presentations and exports; "
            "empty brings the prompt back.",
            on_change=lambda: cur.rename(run.run_id, st.session_state.get(title_key, "")),
        )
        st.text_area(
            "Note",
            value=run.note,
            max_chars=MAX_NOTE,
            key=note_key,
            height=90,
            on_change=lambda: cur.note(run.run_id, st.session_state.get(note_key, "")),
        )


def render_undo(deleted: list[Run], cur: Curation, *, key: str) -> None:
    """One line per result deleted in the last minutes, with Undo."""
    minutes = int(UNDO_WINDOW.total_seconds() // 60)
    for run in deleted[:5]:
        text, button = st.columns([5, 1], vertical_alignment="center")
        title = display_title(run)
        text.caption(
            f"Deleted “{md_escape(title[:60])}{'…' if len(title) > 60 else ''}” — its files are "
            f"removed {minutes} minutes after deleting."
        )
        button.button(
            "Undo",
            key=f"{key}|undo|{run.run_id}",
            icon=":material/undo:",
            on_click=cur.undo,
            args=(run.run_id,),
        )


def render_undo_tile(run: Run, cur: Curation, *, what: str) -> None:
    """In the place of a result just deleted or hidden: what happened, and Undo right there."""
    title = display_title(run)
    with st.container(border=True, key=f"undo_tile_{run.run_id}"):
        st.markdown(
            f":gray[{'Deleted' if what == 'deleted' else 'Hidden'}]  \n"
            f"**{md_escape(title[:60])}{'…' if len(title) > 60 else ''}**"
        )
        st.button(
            "Undo",
            key=f"tile|undo|{run.run_id}",
            icon=":material/undo:",
            help="Bring it back" if what == "deleted" else "Show it again",
            on_click=cur.undo if what == "deleted" else cur.hide,
            args=(run.run_id,) if what == "deleted" else (run.run_id, False),
        )


def announce_undoable(run: Run, what: str) -> None:
    """Feedback where the user is: a toast now, and Undo in the run's tile (see `render_tile`)."""
    st.session_state.setdefault(Keys.UNDO_SLOTS, {})[run.run_id] = what
    title = display_title(run)
    short = f"{md_escape(title[:50])}{'…' if len(title) > 50 else ''}"
    st.toast(f"{what.capitalize()} “{short}” · Undo is in its place", icon=":material/undo:")
