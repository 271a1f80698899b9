"""The results gallery: a grid of runs, each playable in place with its settings and cost."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import streamlit as st

from components.curation import (
    Curation,
    render_curation_bar,
    render_title_note,
    render_undo_tile,
)
from components.safe import md_escape
from components.task_card import RunAction, RunActions, render_status, status_label
from modelhunter.pricing import format_usd
from modelhunter.requests import MODE_LABELS
from playground.curation import display_title
from playground.describe import settings_summary
from playground.export import download_name
from playground.runs import Run
from playground.state import Keys

__all__ = ["render_gallery", "render_result_card", "render_tile"]


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%d %b %H:%M:%S") if moment else "—"


def _reader(path: Path) -> Callable[[], bytes]:
    return lambda: path.read_bytes()  # read only when the user clicks Download


def _title(run: Run) -> str:
    return display_title(run)


def _money(run: Run, charged: bool) -> str:
    price = format_usd(run.price) + (" (est.)" if run.price_estimated else "")
    if not charged:
        return f"{price} · not charged"
    if run.cost is not None:
        return f"{price} · charged {format_usd(run.cost)}"
    return price


def _facts(run: Run) -> list[str]:
    if run.request is None:
        return [run.model, "settings unknown (recovered)"]
    data = run.request.input
    return [
        run.model,
        f"{data.duration} s",
        data.aspect_ratio,
        MODE_LABELS[data.mode],
        "sound" if data.sound == "on" else "silent",
    ]


def render_result_card(
    run: Run, video: Path | None, actions: RunActions, *, charged: bool = True
) -> None:
    """One run: video (or status), download (or Retry download), facts, settings, re-run."""
    with st.container(border=True, key=f"card_{run.run_id}"):
        title = _title(run)
        st.markdown(f"**{md_escape(title[:90])}{'…' if len(title) > 90 else ''}**")
        if video is not None and video.exists():  # plays at once, silently, over and over
            # `alt` names the run: two results with identical bytes (the same demo request)
            # would otherwise be one element to Streamlit, and the page would stop
            alt = f"Result: {title[:90]} (run {run.run_id})"
            st.video(str(video), autoplay=True, muted=True, loop=True, alt=alt)
        else:
            render_status(run, actions)
        st.caption(md_escape(" · ".join(_facts(run))) + f" · {_money(run, charged)}")
        finished = run.task.completed_at if run.task else None
        st.caption(
            f"{status_label(run.status)} · created {_when(run.created_at)}"
            + (f" · finished {_when(finished)}" if finished else "")
        )
        cols = st.columns(2)
        with cols[0]:
            if video is not None and video.exists():
                st.download_button(
                    "Download",
                    _reader(video),
                    file_name=download_name(run),
                    mime="video/mp4",
                    key=f"dl|{run.run_id}",
                    icon=":material/download:",
                    on_click="ignore",
                )
            elif actions.retry_download is not None and run.status == "succeeded":
                st.button(  # paid for but not on this machine (yet): fetch it now
                    "Retry download",
                    key=f"retry_dl|{run.run_id}",
                    icon=":material/download:",
                    on_click=actions.retry_download,
                    args=(run,),
                )
        with cols[1]:
            if actions.rerun is not None:
                st.button(
                    "Re-run",
                    key=f"rerun|{run.run_id}",
                    icon=":material/replay:",
                    help="Fill the form with these settings",
                    on_click=actions.rerun,
                    args=(run,),
                    disabled=run.request is None,
                )
        if run.request is not None:
            with st.expander("Settings used", key=f"settings|{run.run_id}"):
                _render_settings(run)


def _render_settings(run: Run) -> None:
    """The settings in words; the request as sent behind a toggle (for developers)."""
    lines = settings_summary(run)
    st.markdown("  \n".join(f"**{what}:** {md_escape(value)}" for what, value in lines))
    if st.toggle("Show the request as JSON", key=f"json|{run.run_id}") and run.request:
        st.json(run.request.wire(), expanded=True)


def _open(on_open: RunAction, run: Run) -> None:
    st.session_state[Keys.GALLERY_SCROLL] = run.run_id  # the player is drawn above the grid
    on_open(run)


def _scroll_to(run: Run) -> None:
    """Bring the opened player into view (it may be far above the tile that was clicked)."""
    target = json.dumps(f".st-key-card_{run.run_id}")
    st.html(
        "<script>(() => { let n = 0; const go = () => { const el = document.querySelector("
        f"{target}); if (!el) {{ if (n++ < 40) setTimeout(go, 50); return; }}"
        " el.style.scrollMarginTop = '4rem'; el.scrollIntoView({block: 'start'});"
        " if (n < 100) { n = 100; setTimeout(go, 400); }"
        " }; go(); })();"  # once more when the video has its height
        f"/* {time.monotonic_ns()} */</script>",  # a new script each time, so it runs again
        unsafe_allow_javascript=True,
    )


def render_tile(
    run: Run,
    poster: Path | None,
    actions: RunActions,
    *,
    selected: bool,
    on_open: RunAction,
    curation: Curation | None = None,
) -> None:
    """A compact grid entry: poster frame (or status), title, one line of facts, Open."""
    if curation is not None and (what := curation.just.get(run.run_id)):
        render_undo_tile(run, curation, what=what)  # just deleted or hidden: Undo in its place
        return
    with st.container(border=True, key=f"tile_{run.run_id}"):
        if poster is not None:
            st.image(str(poster), width="stretch")
        else:
            render_status(run, actions.display_only())
        title = _title(run)
        facts = " · ".join([*_facts(run)[:2], status_label(run.status)])
        short = f"{md_escape(title[:60])}{'…' if len(title) > 60 else ''}"
        star = ":orange[:material/star:] " if run.starred else ""
        hidden = ":gray[(hidden)] " if run.hidden else ""
        st.markdown(f"{star}{hidden}**{short}**  \n:gray[{md_escape(facts)}]")
        st.button(
            "Showing" if selected else "Open",
            key=f"open|{run.run_id}",
            icon=":material/play_circle:",
            disabled=selected,
            on_click=_open,
            args=(on_open, run),
        )
        if curation is not None:
            render_curation_bar(run, curation, key="tile")


def render_gallery(
    runs: list[Run],
    video_path: Callable[[Run], Path | None],
    poster: Callable[[Path], Path | None],
    actions: RunActions,
    *,
    selected: Run | None,
    on_open: RunAction,
    charged: bool = True,
    columns: int = 4,
    page_size: int = 8,
    key: str = "gallery",
    curation: Curation | None = None,
    below_card: Callable[[Run], None] | None = None,
) -> None:
    """The selected result in full (player, download, settings), then a grid of posters.

    Only the selected result loads its video: the grid shows small poster frames, so a
    gallery of hundreds of clips costs about as much to draw as one.
    """
    if not runs:
        st.info("No results yet. Generate a video and it will appear here.")
        return
    if selected is not None:
        # a comfortable player size: portrait clips get a narrower column, so they fit the window
        shape = selected.request.input.aspect_ratio if selected.request else "16:9"
        player, side = st.columns({"9:16": [1, 2], "1:1": [2, 3]}.get(shape, [3, 2]))
        with player:
            render_result_card(selected, video_path(selected), actions, charged=charged)
            if st.session_state.pop(Keys.GALLERY_SCROLL, None) == selected.run_id:
                _scroll_to(selected)
        with side:
            if curation is not None:
                render_curation_bar(selected, curation, key="card")
                render_title_note(selected, curation, key="card")
            if below_card is not None:
                below_card(selected)
    pages = max(1, -(-len(runs) // page_size))
    page = 1
    if pages > 1:
        page = int(
            st.number_input(
                f"Page (of {pages})", min_value=1, max_value=pages, value=1, key=f"{key}|page"
            )
        )
    grid = st.columns(columns)
    for n, run in enumerate(runs[(page - 1) * page_size : page * page_size]):
        video = video_path(run)
        with grid[n % columns]:
            render_tile(
                run,
                poster(video) if video is not None and video.exists() else None,
                actions,
                selected=selected is not None and run.run_id == selected.run_id,
                on_open=on_open,
                curation=curation,
            )
