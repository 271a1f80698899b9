"""When the store can't be used: a plain banner, the sidebar, and the videos still on disk.

`check_store` runs before any page: if the data folder can't be opened it draws the outage
view and stops the page; if a damaged database was just rebuilt it says so once per session.
`store_guard` does the same for a failure in the middle of a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from components.safe import md_escape
from components.sidebar import render_sidebar
from playground.settings import Settings, mode_for
from playground.state import (
    Keys,
    Session,
    active_key,
    dismiss_recovery,
    forget_jobs,
    get_store_problem,
    recovery_notice,
)
from playground.store_health import Recovery, StoreUnavailable, videos_on_disk

__all__ = [
    "check_store",
    "render_readonly_gallery",
    "render_recovery",
    "render_store_problem",
    "store_guard",
]


def render_store_problem(problem: StoreUnavailable) -> None:
    """The banner: what went wrong with which folder, and what to do."""
    st.error(
        f"**Your runs can't be read or saved right now.** {md_escape(problem.what)}  \n"
        f"Data folder: {md_escape(str(problem.data_dir))}  \n"
        f"**What to do:** {md_escape(problem.todo)}",
        icon=":material/database:",
    )
    if problem.detail:
        st.caption(f"The system said: {md_escape(problem.detail)}")


def render_recovery(recovery: Recovery, on_dismiss: Callable[[], None]) -> None:
    """A damaged database was moved aside and rebuilt: say what happened and where it went."""
    st.warning(md_escape(recovery.message), icon=":material/healing:")
    st.caption(f"The old file: {md_escape(str(recovery.moved_to))}")
    st.button("Got it", key=Keys.STORE_RECOVERY_SEEN, on_click=on_dismiss)


def render_readonly_gallery(videos: list[Path]) -> None:
    """The videos that are still on disk, to watch and download (nothing can be saved)."""
    st.subheader("Videos on this machine (read-only)")
    if not videos:
        st.info("No videos could be read from the data folder.")
        return
    names = [p.name for p in videos]
    choice = st.selectbox(f"{len(videos)} videos, newest first", names, key=Keys.STORE_VIDEO)
    path = videos[names.index(choice)] if choice in names else videos[0]
    st.video(str(path))
    st.download_button(
        "Download",
        lambda: path.read_bytes(),
        file_name=f"kling-{path.name}",
        mime="video/mp4",
        key=Keys.STORE_DOWNLOAD,
        icon=":material/download:",
        on_click="ignore",
    )


def _outage(problem: StoreUnavailable, session: Session, settings: Settings) -> None:
    forget_jobs()  # the next run opens the store afresh: the problem may be fixed by then
    render_store_problem(problem)
    render_readonly_gallery(videos_on_disk(problem.data_dir / "videos"))


def check_store(session: Session, settings: Settings) -> None:
    """Before the page: the outage view (and stop) when the store can't be opened."""
    problem = get_store_problem()
    if problem is not None:
        key = active_key(settings, session)
        render_sidebar(session, settings, mode_for(key), key)
        _outage(problem, session, settings)
        st.stop()
    recovery = recovery_notice()
    if recovery is not None:
        render_recovery(recovery, dismiss_recovery)


@contextmanager
def store_guard(session: Session, settings: Settings) -> Iterator[None]:
    """Around a page: a store failure in the middle shows the outage view instead of a crash."""
    try:
        yield
    except StoreUnavailable as problem:
        _outage(problem, session, settings)
        st.stop()
