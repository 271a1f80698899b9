"""Presentation mode: the selection in the URL, full screen, one large clip (or 2–4) at a time."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.present import CHROMELESS_CSS, render_stage
from playground.presentation import parse_selection, select_runs
from playground.result_links import open_workspace
from playground.runs import Run
from playground.state import Keys, get_jobs, get_session, get_settings

session = get_session()
jobs, _backend = get_jobs()
st.html(CHROMELESS_CSS)

selection = parse_selection(st.query_params.to_dict())
if Keys.PRESENT_GRID not in st.session_state:
    st.session_state[Keys.PRESENT_GRID] = selection.grid
store = open_workspace(
    selection.workspace, session.scope or "", jobs.store, get_settings().data_dir
)
# with sign-in, a link naming runs opens a teammate's too (a run's link does, view only)
everyone = session.person is not None and selection.kind == "runs"
runs = select_runs(selection, store.runs(everyone=everyone)) if store is not None else []

if not runs:
    st.title("Nothing to present")
    st.write(
        "Star results in the Gallery, or pick some and press **Present**. A presentation link "
        "opens on another screen when that screen can reach the results: the same Demo "
        "browser workspace, the same key, or (with sign-in) the same team."
    )
    st.page_link("app_pages/gallery.py", label="Back to the Gallery", icon=":material/arrow_back:")
    st.stop()


def _image(run: Run) -> Path | None:
    given = run.images.get("image")
    return store.image_path(given.sha256) if store and given and given.sha256 else None


render_stage(runs, store.video_path, _image, exit_page="app_pages/gallery.py")
