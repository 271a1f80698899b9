"""The run tracker: the one owner of polling for a session's runs.

It decides when each run is due (the smarter schedule of `modelhunter.polling`, from our
own submit time), refreshes the due runs through `Jobs.refresh` (one list request for many
tasks, then downloads), and computes the ETA the card shows — from the same estimate the
schedule uses, so what the user sees agrees with what the app does. The time left never
goes up while progress stands still: it counts down towards the expected finish and then
reads 0 ("finishing…"); only news (a new progress figure) may move the finish later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from modelhunter.polling import expected_remaining, smart_delay
from playground.jobs import Jobs
from playground.runs import Run

__all__ = ["DEMO_TICK_S", "LIVE_TICK_S", "Eta", "RunTracker"]

# How often the page's fragment wakes up to look for due runs (cheap when none is due).
DEMO_TICK_S = 1.0
LIVE_TICK_S = 2.0


@dataclass(frozen=True)
class Eta:
    """What the card shows: seconds since submit, percent done, and seconds left.

    `remaining_s` is None when nothing is known yet, 0 when the expected end has passed.
    `render_queue` is the clip's place in the Demo renderer's queue (1 = next), if waiting.
    """

    elapsed_s: float
    percent: int
    remaining_s: float | None
    render_queue: int | None = None


@dataclass
class RunTracker:
    """Due times and expected finishes of one session's runs (kept in the session)."""

    due_at: dict[str, datetime] = field(default_factory=dict)
    finish_at: dict[str, tuple[datetime, float | None]] = field(default_factory=dict)
    # Demo mode: where a task's clip waits in the offline renderer's queue (None elsewhere)
    render_queue: Callable[[str], int | None] | None = None

    def next_poll_at(self, run: Run, now: datetime) -> datetime:
        """When `run` should next be refreshed, given what the last refresh said."""
        task = run.task
        if task is None or task.is_terminal:
            return now  # reconciling, or finished with a video to fetch: keep going
        delay = smart_delay(self._elapsed(run, now), run.estimated_seconds, task.progress)
        return now + timedelta(seconds=delay)

    def due(self, runs: list[Run], now: datetime) -> list[Run]:
        """The runs whose next poll time has come (runs never polled are due)."""
        return [r for r in runs if self.due_at.get(r.run_id, now) <= now]

    def tick(self, jobs: Jobs, active: list[Run], now: datetime, *, everything: bool) -> list[Run]:
        """Refresh the due runs (all of `active` with `everything`); the refreshed runs.

        Raises:
            StoreUnavailable: the store could not be written (the caller reports it).
        """
        ready = active if everything else self.due(active, now)
        if not ready:
            return []
        refreshed = jobs.refresh(ready)
        for run in refreshed:
            self.due_at[run.run_id] = self.next_poll_at(run, now)
            if not run.active:
                self.finish_at.pop(run.run_id, None)
        return refreshed

    def eta(self, run: Run, now: datetime) -> Eta:
        """Elapsed time, percent and time left for the card (see the module docstring)."""
        elapsed = self._elapsed(run, now)
        progress = run.task.progress if run.task else None
        percent = int(min(max(progress or 0, 0), 100))
        if run.task is None or run.task.is_terminal:
            return Eta(elapsed, percent, None)
        remaining = expected_remaining(elapsed, run.estimated_seconds, progress)
        if remaining is None:
            return Eta(elapsed, percent, None)
        finish = now + timedelta(seconds=max(remaining, 0.0))
        previous, seen_progress = self.finish_at.get(run.run_id, (None, None))
        if previous is not None and previous < finish and seen_progress == progress:
            finish = previous  # no news: the countdown goes on, it never jumps up
        self.finish_at[run.run_id] = (finish, progress)
        queue = self.render_queue(run.task.id) if self.render_queue else None
        return Eta(elapsed, percent, max(0.0, (finish - now).total_seconds()), queue)

    @staticmethod
    def tick_interval(active: list[Run], *, demo: bool) -> float | None:
        """Seconds between the fragment's ticks; None (no timer) when nothing is active."""
        if not active:
            return None
        return DEMO_TICK_S if demo else LIVE_TICK_S

    @staticmethod
    def _elapsed(run: Run, now: datetime) -> float:
        # our own clock from our own submit time: no skew against the server's timestamps
        return max(0.0, (now - run.created_at).total_seconds())
