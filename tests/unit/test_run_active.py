"""`Run.active` (asked of every run on every rerun) is written for speed; it must say exactly
what the rule says: polled until the task is terminal, and a success until its video is
stored or its download has failed for good."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import get_args

from modelhunter.responses import TERMINAL, Task, TaskStatus
from playground.runs import Run, RunPhase

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _rule(run: Run) -> bool:
    if run.phase in ("rejected", "not_sent", "gone", "from_disk"):
        return False
    if run.phase == "unknown" and run.lookups_paused:
        return False
    if run.task is None:
        return True
    if run.task.status in TERMINAL:
        return run.task.status == TaskStatus.SUCCEEDED and run.needs_download
    return True


def test_active_follows_the_rule_for_every_phase_status_and_download_state() -> None:
    statuses = [None, *TaskStatus, "moderation"]  # an undocumented word: still in progress
    for phase, status, video, error, paused in itertools.product(
        get_args(RunPhase), statuses, (None, "v.mp4"), (None, "gone"), (False, True)
    ):
        task = None if status is None else Task(id="t", status=status, created_at=NOW)
        run = Run(
            run_id="r",
            created_at=NOW,
            price=Decimal("0.42"),
            phase=phase,
            task=task,
            video_file=video,
            video_error=error,
            lookups_paused=paused,
        )
        assert run.active is _rule(run), (phase, status, video, error, paused)


def test_a_documented_word_is_read_as_the_enum_member() -> None:
    assert Task(id="t", status="Succeeded", created_at=NOW).status is TaskStatus.SUCCEEDED
