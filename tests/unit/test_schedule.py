"""Each run is polled on the smarter schedule: rarely early, often near its expected end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from modelhunter.requests import parse_request
from modelhunter.responses import Task
from playground.runs import Run
from playground.schedule import due, next_poll_at

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def _run(status: str | None, progress: float = 0, estimated: int = 120) -> Run:
    body = {"model": "kling-v3", "input": {"image": "https://example.com/a.png"}}
    task = None
    if status is not None:
        task = Task(
            id="task_1",
            type="video",
            status=status,
            provider="kling",
            model="kling-v3",
            created_at=T0,
            progress=progress,
        )
    return Run(
        run_id="run_1",
        created_at=T0,
        request=parse_request(body),
        price=Decimal("0.42"),
        phase="tracking" if task else "unknown",
        task=task,
        estimated_seconds=estimated,
    )


def test_far_from_the_end_the_next_poll_is_far_off() -> None:
    now = T0 + timedelta(seconds=10)
    wait = (next_poll_at(_run("running", progress=8), now) - now).total_seconds()
    assert wait > 20, "a 2-minute task is not asked about every 2 s at the start"


def test_near_the_expected_end_polls_come_quickly() -> None:
    now = T0 + timedelta(seconds=115)
    wait = (next_poll_at(_run("running", progress=95), now) - now).total_seconds()
    assert 1 <= wait <= 3


def test_runs_without_a_task_or_with_a_video_to_fetch_are_due_at_once() -> None:
    now = T0 + timedelta(seconds=5)
    assert next_poll_at(_run(None), now) == now
    assert next_poll_at(_run("succeeded", progress=100), now) == now


def test_only_due_runs_are_polled() -> None:
    run = _run("running")
    now = T0 + timedelta(seconds=30)
    assert due([run], {}, now) == [run], "a run never polled is due"
    assert due([run], {"run_1": now + timedelta(seconds=5)}, now) == []
    assert due([run], {"run_1": now}, now) == [run]
