"""One run in progress or finished: status, progress, elapsed/ETA, error with advice, cancel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from components.safe import md_escape
from playground.runs import Run

__all__ = ["STATUS_LABELS", "elapsed_and_eta", "render_status", "status_label"]

STATUS_LABELS = {
    "submitting": "Uploading and submitting…",
    "unknown": "Submit not confirmed",
    "rejected": "Not accepted",
    "not_sent": "Not sent",
    "pending": "Accepted, waiting",
    "queued": "Queued at Kling",
    "running": "Generating",
    "succeeded": "Done",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "expired": "Done (refreshing the link)",
    "gone": "No longer known to the API",
    "from_disk": "Video found on disk (details lost)",
}


def status_label(status: str) -> str:
    """Plain words for a run's status; a word the API added is shown as its own word."""
    if status in STATUS_LABELS:
        return STATUS_LABELS[status]
    return f"Processing at Kling (status: {status})"


def elapsed_and_eta(run: Run, now: datetime) -> tuple[float, float | None]:
    """Seconds since submit and the estimated seconds left (None when unknown)."""
    start = run.created_at  # our own submit time: the server's clock may differ
    elapsed = max(0.0, (now - start).total_seconds())
    progress = (run.task.progress or 0) if run.task else 0
    if progress and progress > 0:
        return elapsed, max(0.0, elapsed * (100 - progress) / progress)
    if run.estimated_seconds:
        return elapsed, max(0.0, run.estimated_seconds - elapsed)
    return elapsed, None


CheckAction = Callable[[Run, str | None], None]


def render_status(
    run: Run,
    now: datetime,
    *,
    on_cancel: Callable[[Run], None] | None,
    on_check: CheckAction | None = None,
) -> None:
    """Status line with progress for an active run, or the error and advice for a failed one.

    An unknown submit gets "Check again" and, for tasks that may be it, "This is my run"
    (`on_check(run, None)` / `on_check(run, task_id)`).
    """
    label = status_label(run.status)
    if run.phase == "unknown" and run.task is None:
        _render_unknown(run, label, on_check)
        return
    if run.error:
        st.error(f"**{label}:** {md_escape(run.error)}", icon=":material/error:")
        if run.advice:
            st.caption(md_escape(run.advice))
        return
    if run.status == "cancelled":
        st.info(label, icon=":material/cancel:")
        return
    if run.video_error:
        st.warning(md_escape(run.video_error), icon=":material/cloud_off:")
    if not run.active:
        return
    elapsed, eta = elapsed_and_eta(run, now)
    progress = int((run.task.progress or 0) if run.task else 0)
    eta_text = f" · about {eta:.0f} s left" if eta is not None else ""
    st.progress(progress / 100, text=f"{label} · {progress}% · {elapsed:.0f} s{eta_text}")
    if on_cancel and run.task and not run.task.is_terminal:
        st.button(
            "Cancel",
            key=f"cancel|{run.run_id}",
            icon=":material/stop_circle:",
            on_click=on_cancel,
            args=(run,),
        )


def _render_unknown(run: Run, label: str, on_check: CheckAction | None) -> None:
    st.warning(
        f"**{label}.** {md_escape(run.error or '')} {md_escape(run.advice or '')}",
        icon=":material/help:",
    )
    if on_check is None:
        return
    st.button(
        "Check again",
        key=f"check|{run.run_id}",
        icon=":material/refresh:",
        on_click=on_check,
        args=(run, None),
    )
    for task in run.candidates:
        st.caption(
            md_escape(
                f"Possible match: task {task.id} ({task.model or 'model not given'}, created "
                f"{task.created_at:%H:%M:%S} UTC, {status_label(str(task.status)).lower()}); "
                "ModelHunter did not echo our reference, so it cannot be proven."
            )
        )
        st.button(
            "This is my run",
            key=f"adopt|{run.run_id}|{task.id}",
            icon=":material/link:",
            on_click=on_check,
            args=(run, task.id),
        )
