"""One run in progress or finished: status, progress, elapsed/ETA, error with advice, cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from components.safe import md_escape
from playground.runs import Run
from playground.tracker import Eta

__all__ = [
    "STATUS_LABELS",
    "CheckAction",
    "RunAction",
    "RunActions",
    "render_status",
    "progress_time_text",
    "status_label",
]

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


RunAction = Callable[[Run], None]
CheckAction = Callable[[Run, str | None], None]


@dataclass(frozen=True)
class RunActions:
    """What a run's card shows and can do, wired once by the page (None: not offered).

    `eta` is the run tracker's estimate; `check(run, None)` looks for an unconfirmed submit
    again, `check(run, task_id)` adopts the candidate the user picked.
    """

    eta: Callable[[Run], Eta]
    rerun: RunAction | None = None
    cancel: RunAction | None = None
    check: CheckAction | None = None
    retry_download: RunAction | None = None

    def display_only(self) -> RunActions:
        """The same card without buttons (e.g. a grid tile)."""
        return RunActions(eta=self.eta)


def render_status(run: Run, actions: RunActions) -> None:
    """Status line with progress for an active run, or the error and advice for a failed one.

    An unknown submit gets "Check again" and, for tasks that may be it, "This is my run".
    """
    label = status_label(run.status)
    if run.phase == "unknown" and run.task is None:
        _render_unknown(run, label, actions.check)
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
    eta = actions.eta(run)
    st.progress(eta.percent / 100, text=f"{label} · {eta.percent}% · {progress_time_text(eta)}")
    if actions.cancel and run.task and not run.task.is_terminal:
        st.button(
            "Cancel",
            key=f"cancel|{run.run_id}",
            icon=":material/stop_circle:",
            on_click=actions.cancel,
            args=(run,),
        )


# Past its estimate, a run this far along is "finishing"; less far, it is just late.
FINISHING_PERCENT = 90


def progress_time_text(eta: Eta) -> str:
    """The time part of a card's progress line: elapsed, then what is left or why waiting."""
    elapsed = f"{eta.elapsed_s:.0f} s"
    if eta.render_queue:  # Demo: the offline renderer is busy with other clips first
        ahead = eta.render_queue - 1
        place = f"{ahead} clip{'s' * (ahead != 1)} ahead" if ahead else "next"
        return f"{elapsed} · in the demo renderer's queue ({place})"
    if eta.remaining_s is None:
        return elapsed
    if eta.remaining_s < 1:  # the estimate has run out
        late = eta.percent < FINISHING_PERCENT
        return f"{elapsed} · {'taking longer than expected' if late else 'finishing…'}"
    return f"{elapsed} · about {eta.remaining_s:.0f} s left"


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
