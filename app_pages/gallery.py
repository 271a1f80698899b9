"""Every result of this key (or of Demo mode), newest first, polled while runs are active."""

from __future__ import annotations

import functools

import streamlit as st

from components.gallery import render_gallery
from components.safe import md_escape
from playground.posters import poster_for
from playground.runs import Run
from playground.state import (
    cancel_run,
    check_run,
    fill_form_from,
    get_jobs,
    get_session,
    poll,
    poll_interval,
    retry_download,
)

SELECTED = "gallery_selected"
session = get_session()
jobs, backend = get_jobs()


# Re-run and Cancel buttons call these with the run (jobs.now is the right clock: the
# offline service's in Demo mode, UTC otherwise).
_rerun_with = functools.partial(fill_form_from, session, store=jobs.store)
_cancel = functools.partial(cancel_run, jobs, session)
_retry_download = functools.partial(retry_download, jobs, session)
_check = functools.partial(check_run, jobs, session)


st.title("Gallery")
runs = session.gallery()
done = sum(1 for r in runs if r.video_file)
st.caption(f"{len(runs)} runs · {done} videos · kept on this machine across refreshes and restarts")


def _open(run: Run) -> None:
    st.session_state[SELECTED] = run.run_id


def _selected(runs: list[Run]) -> Run | None:
    chosen = st.session_state.get(SELECTED)
    by_id = {r.run_id: r for r in runs}
    if chosen in by_id:
        return by_id[chosen]
    return next((r for r in runs if r.video_file), runs[0] if runs else None)


# True in a full rerun (the user did something): then every active run is refreshed;
# the fragment's own timer ticks follow each run's schedule.
full_run = [True]


@st.fragment(run_every=poll_interval(session, backend.fake is not None))
def grid() -> None:
    if session.form_refilled:  # Re-run was clicked (inside this fragment): go to the form
        session.form_refilled = False
        st.switch_page("app_pages/generate.py")
    finished = poll(jobs, session, everything=bool(full_run) and full_run.pop())
    if jobs.last_error:
        st.warning(md_escape(jobs.last_error), icon=":material/wifi_off:")
    now = jobs.now()
    runs = session.gallery()
    render_gallery(
        runs,
        jobs.store.video_path,
        poster_for,
        now,
        selected=_selected(runs),
        on_open=_open,
        on_rerun=_rerun_with,
        on_cancel=_cancel,
        on_check=_check,
        charged=backend.mode == "live",
        on_retry_download=_retry_download,
    )
    if finished:
        st.rerun()


grid()
