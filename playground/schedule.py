"""When to poll each run next: the smarter schedule of `modelhunter.polling`, per run.

The page's fragment ticks every second or two, but a run is only asked about when it is due:
rarely while it is far from its expected end, often near it (`polling.smart_delay`, from
`estimated_seconds` and progress). Runs without a task yet, or with a video still to fetch,
are due at every tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from modelhunter.polling import smart_delay
from playground.runs import Run

__all__ = ["due", "next_poll_at"]


def next_poll_at(run: Run, now: datetime) -> datetime:
    """When `run` should next be refreshed, given what the last refresh said."""
    task = run.task
    if task is None or task.is_terminal:
        return now  # reconciling, or finished with a video to fetch: keep going
    # our own clock from our own submit time: no skew against the server's timestamps
    elapsed = max(0.0, (now - run.created_at).total_seconds())
    delay = smart_delay(elapsed, run.estimated_seconds, task.progress)
    return now + timedelta(seconds=delay)


def due(runs: list[Run], schedule: dict[str, datetime], now: datetime) -> list[Run]:
    """The runs whose next poll time has come (runs never polled are due)."""
    return [r for r in runs if schedule.get(r.run_id, now) <= now]
