"""History's additions for iterating: a poster frame and Re-run on rows of runs this app
made, and a prompt search over those runs (the API itself cannot search prompts)."""

from __future__ import annotations

import streamlit as st

from components.task_card import status_label
from modelhunter.pricing import format_usd
from playground.posters import poster_for
from playground.runs import Run
from playground.state import Keys, Session, fill_form_from
from playground.store import Store

__all__ = ["POSTER_WIDTH", "matching_runs", "render_poster", "render_prompt_matches", "rerun"]

POSTER_WIDTH = 96
SHOWN_MATCHES = 30


def matching_runs(runs: list[Run], text: str) -> list[Run]:
    """Runs of this app whose prompt or negative prompt contains `text` (any case)."""
    needle = text.strip().casefold()
    if not needle:
        return []
    found = []
    for run in runs:
        negative = run.request.input.negative_prompt if run.request is not None else None
        if needle in run.prompt.casefold() or needle in (negative or "").casefold():
            found.append(run)
    return found


def render_poster(col: st.delta_generator.DeltaGenerator, run: Run | None, store: Store) -> None:
    """A small poster frame of a run's video, when it is on this machine."""
    video = store.video_path(run) if run is not None else None
    poster = poster_for(video) if video is not None else None
    if poster is not None:
        col.image(str(poster), width=POSTER_WIDTH)
    else:
        col.text("—")


def rerun(col: st.delta_generator.DeltaGenerator, run: Run, session: Session, store: Store) -> None:
    """Re-run: fill the form with the run's settings and images, then go to it."""
    if run.request is None:
        return
    if col.button(
        "Re-run",
        key=f"h_rerun|{run.run_id}",
        icon=":material/replay:",
        help="Fill the form with these settings",
    ):
        fill_form_from(session, run, store)
        st.switch_page("app_pages/generate.py")


def render_prompt_matches(session: Session, store: Store) -> bool:
    """The prompt search box; when used, its matches as rows. True when it is in use."""
    text = st.text_input(
        "Prompt contains",
        key=Keys.HISTORY_PROMPT,
        placeholder="Search the prompts you sent…",
        help="The API cannot search prompts: this searches the prompts of runs made from "
        "this app (in this workspace).",
    )
    if not text.strip():
        return False
    found = matching_runs(session.gallery(), text)
    st.caption(
        f"{len(found)} run{'s' * (len(found) != 1)} made from this app match. The API cannot "
        "search prompts, so tasks made elsewhere with this key are not searched."
    )
    for run in found[:SHOWN_MATCHES]:
        row = st.columns([1, 4, 1.2, 1.2, 1.6, 1, 1.2], vertical_alignment="center")
        render_poster(row[0], run, store)
        row[1].text(run.prompt[:120] or "(no prompt)")
        row[2].text(status_label(run.status))
        row[3].text(run.model)
        row[4].text(run.created_at.astimezone().strftime("%d %b %Y %H:%M"))
        row[5].text(format_usd(run.cost if run.cost is not None else run.price))
        rerun(row[6], run, session, store)
    return True
