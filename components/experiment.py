"""The Generate page's iteration aids, placed by the page in one call each.

- `sticky_panel()`: the price / Generate column stays in view while a long form scrolls
  (the column is the sticky element: `position: sticky` on the panel itself does nothing).
- `render_side_tools()`: Copy as code (a wide dialog) and the settings link / file, under
  Generate.
- `render_results()`: every result of this workspace reachable from the page, paged, with
  runs in progress first.
- `after_submit()`: what a sent form leaves behind (prompt history, the next client_ref).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from components.gallery import render_result_card
from components.safe import md_escape
from components.share_tools import render_code_button, render_links
from components.task_card import RunActions, render_status
from modelhunter.client import DEFAULT_BASE_URL
from modelhunter.requests import KlingV3Request, KlingV26Request
from playground.draft import Draft
from playground.jobs import Jobs
from playground.presets import remember_sent
from playground.runs import Run
from playground.state import Keys, Session

__all__ = [
    "GENERATE_SHORTCUT",
    "SIDE_PANEL",
    "after_submit",
    "render_results",
    "render_side_tools",
    "sticky_panel",
]

SIDE_PANEL = "side_panel"
GENERATE_SHORTCUT = "Ctrl+Enter"
RESULTS_PER_PAGE = 6
_STICKY = f"""<style>
div[data-testid="stColumn"]:has(.st-key-{SIDE_PANEL}) {{
  position: sticky; top: 4.5rem; align-self: flex-start; z-index: 2;
}}
</style>"""


def sticky_panel() -> None:
    """Keep the column holding the `SIDE_PANEL` container in view while scrolling."""
    st.html(_STICKY)


def after_submit(jobs: Jobs, draft: Draft, run: Run | None) -> None:
    """A sent form: its prompts join the history, the next Generate gets a new client_ref."""
    if run is None:
        return
    remember_sent(jobs.store.prompts, draft)
    st.session_state.pop(Keys.NEXT_RUN_ID, None)


def render_side_tools(
    session: Session,
    request: KlingV3Request | KlingV26Request | None,
    base_url: str,
    *,
    demo: bool,
) -> None:
    """Copy as code (a button opening a wide dialog), and the settings link and file."""
    render_code_button(session, request, DEFAULT_BASE_URL if demo else base_url, demo=demo)
    with st.expander("Share these settings", icon=":material/share:", key="links_expander"):
        render_links(session)


def render_results(
    session: Session,
    video_path: Callable[[Run], Path | None],
    actions: RunActions,
    *,
    charged: bool,
) -> None:
    """Runs in progress, then every finished result, newest first, a page at a time."""
    active = session.active()
    if active:
        st.subheader("In progress")
        cols = st.columns(3)
        for n, run in enumerate(active):
            with cols[n % 3], st.container(border=True, key=f"active_{run.run_id}"):
                st.caption(md_escape(run.prompt[:80]) or "(no prompt)")
                render_status(run, actions)
    finished = [r for r in session.gallery() if not r.active]
    if not finished:
        return
    pages = max(1, -(-len(finished) // RESULTS_PER_PAGE))
    head, pick = st.columns([3, 1], vertical_alignment="bottom")
    head.subheader(f"Your results · {len(finished)}")
    page = 1
    if pages > 1:
        page = int(pick.number_input(f"Page (of {pages})", 1, pages, 1, key=Keys.RESULTS_PAGE))
    cols = st.columns(3)
    shown = finished[(page - 1) * RESULTS_PER_PAGE : page * RESULTS_PER_PAGE]
    for n, run in enumerate(shown):
        with cols[n % 3]:
            render_result_card(run, video_path(run), actions, charged=charged)
