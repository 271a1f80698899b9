"""The results gallery: a grid of runs, each playable in place with its settings and cost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import streamlit as st

from components.safe import md_escape
from components.task_card import STATUS_LABELS, render_status
from modelhunter.pricing import format_usd
from playground.runs import Run

__all__ = ["render_gallery", "render_result_card"]

RunAction = Callable[[Run], None]


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%d %b %H:%M:%S") if moment else "—"


def _reader(path: Path) -> Callable[[], bytes]:
    return lambda: path.read_bytes()  # read only when the user clicks Download


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
        {"std": "Standard", "pro": "Pro"}[data.mode],
        "sound" if data.sound == "on" else "silent",
    ]


def render_result_card(
    run: Run,
    video: Path | None,
    now: datetime,
    *,
    on_rerun: RunAction,
    on_cancel: RunAction | None,
    charged: bool = True,
) -> None:
    """One run: video (or status), download, facts, settings used, re-run."""
    with st.container(border=True, key=f"card_{run.run_id}"):
        title = run.prompt or ("(no prompt)" if run.request else f"Task {run.task_id}")
        st.markdown(f"**{md_escape(title[:90])}{'…' if len(title) > 90 else ''}**")
        if video is not None and video.exists():
            st.video(str(video))
        else:
            render_status(run, now, on_cancel=on_cancel)
        st.caption(" · ".join(_facts(run)) + f" · {_money(run, charged)}")
        finished = run.task.completed_at if run.task else None
        st.caption(
            f"{STATUS_LABELS.get(run.status, run.status)} · created {_when(run.created_at)}"
            + (f" · finished {_when(finished)}" if finished else "")
        )
        cols = st.columns(2)
        with cols[0]:
            if video is not None and video.exists():
                st.download_button(
                    "Download",
                    _reader(video),
                    file_name=f"kling-{run.run_id}.mp4",
                    mime="video/mp4",
                    key=f"dl|{run.run_id}",
                    icon=":material/download:",
                    on_click="ignore",
                )
        with cols[1]:
            st.button(
                "Re-run",
                key=f"rerun|{run.run_id}",
                icon=":material/replay:",
                help="Fill the form with these settings",
                on_click=on_rerun,
                args=(run,),
                disabled=run.request is None,
            )
        if run.request is not None:
            with st.expander("Settings used"):
                st.json(run.request.wire(), expanded=True)


def render_gallery(
    runs: list[Run],
    video_path: Callable[[Run], Path | None],
    now: datetime,
    *,
    on_rerun: RunAction,
    on_cancel: RunAction | None,
    charged: bool = True,
    columns: int = 3,
    page_size: int = 12,
    key: str = "gallery",
) -> None:
    """A grid of runs, newest first; only one page of videos is loaded at a time."""
    if not runs:
        st.info("No results yet. Generate a video and it will appear here.")
        return
    pages = max(1, -(-len(runs) // page_size))
    page = 1
    if pages > 1:
        page = int(
            st.number_input(
                f"Page (of {pages})", min_value=1, max_value=pages, value=1, key=f"{key}|page"
            )
        )
    shown = runs[(page - 1) * page_size : page * page_size]
    grid = st.columns(columns)
    for n, run in enumerate(shown):
        with grid[n % columns]:
            render_result_card(
                run,
                video_path(run),
                now,
                on_rerun=on_rerun,
                on_cancel=on_cancel,
                charged=charged,
            )
