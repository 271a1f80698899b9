"""The run tracker: each run polled on the smarter schedule (rarely early, often near its
expected end), and the ETA the card shows agrees with that schedule and never jumps up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from modelhunter.polling import MAX_DELAY
from modelhunter.requests import parse_request
from modelhunter.responses import Task
from playground.runs import Run
from playground.tracker import RunTracker

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def _run(status: str | None, progress: float = 0, estimated: int | None = 120) -> Run:
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
    wait = (RunTracker().next_poll_at(_run("running", progress=8), now) - now).total_seconds()
    assert wait > 20, "a 2-minute task is not asked about every 2 s at the start"


def test_near_the_expected_end_polls_come_quickly() -> None:
    now = T0 + timedelta(seconds=115)
    wait = (RunTracker().next_poll_at(_run("running", progress=95), now) - now).total_seconds()
    assert 1 <= wait <= 3


def test_runs_without_a_task_or_with_a_video_to_fetch_are_due_at_once() -> None:
    now = T0 + timedelta(seconds=5)
    assert RunTracker().next_poll_at(_run(None), now) == now
    assert RunTracker().next_poll_at(_run("succeeded", progress=100), now) == now


def test_only_due_runs_are_polled() -> None:
    run = _run("running")
    now = T0 + timedelta(seconds=30)
    assert RunTracker().due([run], now) == [run], "a run never polled is due"
    later = RunTracker(due_at={"run_1": now + timedelta(seconds=5)})
    assert later.due([run], now) == []
    assert RunTracker(due_at={"run_1": now}).due([run], now) == [run]


def _with_progress(run: Run, progress: float) -> Run:
    assert run.task is not None
    run.task = run.task.model_copy(update={"progress": progress})
    return run


def test_the_eta_is_the_schedules_estimate_of_the_end() -> None:
    """The card's time left and the poll schedule come from one estimate: when the card says
    the end is near, the run is polled often; when far, rarely."""
    tracker = RunTracker()
    run = _run("running", progress=0, estimated=120)
    early = T0 + timedelta(seconds=10)
    assert tracker.eta(run, early).remaining_s == 110
    wait = (tracker.next_poll_at(run, early) - early).total_seconds()
    assert wait == min(55, MAX_DELAY)  # half the time left, capped
    near = T0 + timedelta(seconds=118)
    assert tracker.eta(run, near).remaining_s == 2
    assert (tracker.next_poll_at(run, near) - near).total_seconds() <= 2.5


def test_time_left_never_goes_up_while_progress_is_frozen() -> None:
    """Issue: 46 % frozen showed 4 → 5 → 6 s left. Now it counts down, then "finishing"."""
    tracker = RunTracker()
    run = _with_progress(_run("running", estimated=None), 46)
    shown = []
    for second in range(40, 100):
        eta = tracker.eta(run, T0 + timedelta(seconds=second))
        assert eta.remaining_s is not None
        shown.append(eta.remaining_s)
    assert shown == sorted(shown, reverse=True), shown
    assert shown[-1] == 0, "overdue: finishing, not a growing number"


def test_better_news_brings_the_finish_earlier() -> None:
    tracker = RunTracker()
    run = _with_progress(_run("running", estimated=None), 20)
    first = tracker.eta(run, T0 + timedelta(seconds=20)).remaining_s
    run = _with_progress(run, 90)
    second = tracker.eta(run, T0 + timedelta(seconds=21)).remaining_s
    assert first is not None and second is not None and second < first - 10


def test_finished_and_unknown_runs_have_no_countdown() -> None:
    tracker = RunTracker()
    assert tracker.eta(_run(None), T0).remaining_s is None
    done = _with_progress(_run("succeeded"), 100)
    assert tracker.eta(done, T0 + timedelta(seconds=60)).percent == 100
