"""Every result of this key (or of Demo mode), newest first, polled while runs are active."""

from __future__ import annotations

import streamlit as st

from components.batch_group import render_batches
from components.gallery import render_gallery
from components.live_runs import render_live_runs, run_actions
from playground.posters import poster_for
from playground.runs import Run
from playground.state import get_jobs, get_session

session = get_session()
jobs, backend = get_jobs()
actions = run_actions(jobs, session)

st.title("Gallery")
runs = session.gallery()
done = sum(1 for r in runs if r.video_file)
st.caption(f"{len(runs)} runs · {done} videos · kept on this machine across refreshes and restarts")


def _open(run: Run) -> None:
    session.gallery_selected = run.run_id


def _draw() -> None:
    runs = session.gallery()
    render_batches(jobs, runs, charged=backend.mode == "live")  # a group each
    render_gallery(
        runs,
        jobs.store.video_path,
        poster_for,
        actions,
        selected=session.selected_run(runs),
        on_open=_open,
        charged=backend.mode == "live",
    )


render_live_runs(
    jobs,
    session,
    demo=backend.fake is not None,
    draw=_draw,
    on_refilled=lambda: st.switch_page("app_pages/generate.py"),  # Re-run: go to the form
)
