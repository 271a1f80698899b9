"""The one live-runs fragment every page uses: it polls on the run tracker's schedule and
redraws only itself; a run that finishes (or a Re-run clicked inside it) redraws the page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from components.gallery import render_result_card
from components.safe import md_escape
from components.task_card import RunActions, render_status
from playground.jobs import Jobs
from playground.runs import Run
from playground.state import (
    Session,
    cancel_run,
    check_run,
    fill_form_from,
    poll,
    poll_interval,
    retry_download,
    run_eta,
)

__all__ = ["render_live_runs", "render_session_runs", "run_actions"]


def run_actions(jobs: Jobs, session: Session) -> RunActions:
    """Every card action, bound to this session's jobs (the tracker's ETA included)."""
    return RunActions(
        eta=functools.partial(run_eta, jobs, session),
        rerun=functools.partial(fill_form_from, session, store=jobs.store),
        cancel=functools.partial(cancel_run, jobs, session),
        check=functools.partial(check_run, jobs, session),
        retry_download=functools.partial(retry_download, jobs, session),
    )


def render_live_runs(
    jobs: Jobs,
    session: Session,
    *,
    demo: bool,
    draw: Callable[[], None],
    on_refilled: Callable[[], None] = st.rerun,
) -> None:
    """Poll, warn about passing trouble, then `draw()` — in a fragment on a timer.

    The first run of the fragment in a full script run brings every active run up to date
    (the user did something); its own timer ticks ask only about runs that are due.
    `on_refilled` runs when a Re-run button inside the fragment filled the form (the page
    decides where the form is: redraw it, or go to it).
    """
    full_run = [True]

    @st.fragment(run_every=poll_interval(session, demo))
    def live() -> None:
        if session.form_refilled:
            session.form_refilled = False
            on_refilled()
        finished = poll(jobs, session, everything=bool(full_run) and full_run.pop())
        if jobs.last_error:
            st.warning(md_escape(jobs.last_error), icon=":material/wifi_off:")
        draw()
        if finished:
            st.rerun()

    live()


def render_session_runs(
    session: Session,
    video_path: Callable[[Run], Path | None],
    actions: RunActions,
    *,
    charged: bool,
    recent: int = 2,
) -> None:
    """Runs in progress, then the latest results (what the Generate page's fragment draws)."""
    active = session.active()
    if active:
        st.subheader("In progress")
        for run in active:
            with st.container(border=True, key=f"active_{run.run_id}"):
                st.caption(md_escape(run.prompt[:80]) or "(no prompt)")
                render_status(run, actions)
    finished = [r for r in session.gallery() if not r.active][:recent]
    if finished:
        st.subheader("Latest results")
        for run in finished:
            render_result_card(run, video_path(run), actions, charged=charged)
