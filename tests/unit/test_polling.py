"""Poll schedules, iter_status/wait with a fake clock, refresh_many request counts."""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelhunter.errors import (
    ApiConnectionError,
    NotFoundError,
    PollTimeoutError,
    RateLimitError,
    TaskFailedError,
    is_transient,
)
from modelhunter.polling import (
    MAX_DELAY,
    MIN_DELAY,
    NEAR_END_DELAY,
    DelayFn,
    contract_delay,
    expected_remaining,
    iter_status,
    refresh_many,
    smart_delay,
    wait,
)
from modelhunter.responses import Pagination, Task, TaskPage, TaskStatus

T0 = datetime(2026, 2, 27, 10, 0, tzinfo=UTC)


def make_task(
    task_id: str = "task_1",
    status: TaskStatus | str = TaskStatus.RUNNING,
    *,
    created: datetime = T0,
    **extra: Any,
) -> Task:
    return Task.model_validate(
        {
            "id": task_id,
            "type": "video",
            "status": str(status),
            "provider": "kling",
            "model": "kling-v3",
            "created_at": created.isoformat(),
            **extra,
        }
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class TimedTask:
    """A task that queues for `queue_s`, then progresses linearly to succeed at `duration_s`."""

    clock: FakeClock
    duration_s: float
    queue_s: float = 0.0
    end_status: str = "succeeded"
    gets: int = 0

    def get_task(self, task_id: str) -> Task:
        self.gets += 1
        t = self.clock.now
        if t >= self.duration_s:
            return make_task(task_id, self.end_status, progress=100)
        if t < self.queue_s:
            return make_task(task_id, "queued", progress=0)
        progress = int(100 * (t - self.queue_s) / (self.duration_s - self.queue_s))
        return make_task(task_id, "running", progress=min(progress, 99))

    def list_tasks(self, **_: Any) -> TaskPage:
        raise AssertionError("not used")


@pytest.mark.parametrize(
    ("elapsed", "delay"), [(0, 2.0), (10, 2.0), (29.9, 2.0), (30, 5.0), (300, 5.0)]
)
def test_contract_delay(elapsed: float, delay: float) -> None:
    assert contract_delay(elapsed) == delay
    assert contract_delay(elapsed, 60, 50) == delay


def test_expected_remaining() -> None:
    assert expected_remaining(10, None, None) is None
    assert expected_remaining(10, None, 0) is None
    assert expected_remaining(10, 60, None) == 50
    assert expected_remaining(70, 60, None) == -10
    assert expected_remaining(10, None, 100) == 0
    # Progress 45 (+5 slack) at 50 s: 50 × 50 / 50 = 50 s left.
    assert expected_remaining(50, None, 45) == pytest.approx(50)
    # The earlier of the two ends wins while the estimate still lies ahead...
    assert expected_remaining(50, 80, 45) == pytest.approx(30)
    assert expected_remaining(50, 200, 45) == pytest.approx(50)
    # ...and progress wins once the estimate has passed.
    assert expected_remaining(100, 80, 45) == pytest.approx(100)


def test_smart_delay_shape() -> None:
    assert smart_delay(0, None, None) == contract_delay(0)
    assert smart_delay(40, None, None) == contract_delay(40)
    assert smart_delay(0, 300, None) == MAX_DELAY  # far from the end: rare polls
    assert smart_delay(20, 60, None) == pytest.approx(20)  # half of the 40 s left
    assert smart_delay(58, 60, None) == NEAR_END_DELAY  # near the end: often
    assert smart_delay(59, None, 99) == NEAR_END_DELAY
    overdue = [smart_delay(60 + extra, 60, None) for extra in (0, 10, 60, 200, 2000)]
    assert overdue == sorted(overdue)  # backs off gently when the task overruns
    assert overdue[1] < 4 and overdue[-1] == MAX_DELAY


@given(
    st.floats(min_value=0, max_value=10_000),
    st.none() | st.integers(min_value=0, max_value=3600),
    st.none() | st.floats(min_value=0, max_value=100),
)
def test_smart_delay_always_within_bounds(
    elapsed: float, estimate: int | None, progress: float | None
) -> None:
    assert MIN_DELAY <= smart_delay(elapsed, estimate, progress) <= MAX_DELAY


def _simulate(delay_fn: DelayFn, seed: int = 7, n: int = 300) -> tuple[float, float]:
    """Mean requests and mean detection delay over tasks of 30–300 s, progress ~linear."""
    rng = random.Random(seed)
    requests: list[int] = []
    delays: list[float] = []
    for _ in range(n):
        duration = rng.uniform(30, 300)
        clock = FakeClock()
        task = TimedTask(clock, duration, queue_s=rng.uniform(0, 8))
        estimate = round(duration * rng.uniform(0.7, 1.4))
        final = wait(
            task,
            "task_1",
            clock=clock,
            sleep=clock.sleep,
            delay_fn=delay_fn,
            estimated_seconds=estimate,
        )
        assert final.status is TaskStatus.SUCCEEDED
        requests.append(task.gets)
        delays.append(clock.now - duration)
    return statistics.mean(requests), statistics.mean(delays)


def test_smart_delay_meets_the_benchmark_goal() -> None:
    contract_requests, contract_lag = _simulate(contract_delay)
    smart_requests, smart_lag = _simulate(smart_delay)
    assert smart_requests <= 0.5 * contract_requests
    assert smart_lag <= contract_lag


def test_iter_status_yields_until_terminal() -> None:
    clock = FakeClock()
    task = TimedTask(clock, duration_s=60)
    states = list(
        iter_status(task, "task_1", clock=clock, sleep=clock.sleep, delay_fn=contract_delay)
    )
    assert states[-1].status is TaskStatus.SUCCEEDED
    assert all(not s.is_terminal for s in states[:-1])
    assert len(states) == task.gets
    assert clock.sleeps[:15] == [2.0] * 15 and set(clock.sleeps[15:]) == {5.0}
    assert 60 <= clock.now < 65


def test_iter_status_passes_estimate_and_progress_to_delay_fn() -> None:
    clock = FakeClock()
    seen: list[tuple[float, float | None, float | None]] = []

    def record(elapsed: float, estimate: float | None, progress: float | None) -> float:
        seen.append((elapsed, estimate, progress))
        return 10.0

    wait(
        TimedTask(clock, duration_s=25),
        "task_1",
        clock=clock,
        sleep=clock.sleep,
        delay_fn=record,
        estimated_seconds=60,
        elapsed_offset_s=5,
    )
    # The fake task runs on the clock (0, 10, 20, 30 s); elapsed includes the 5 s offset.
    assert seen == [(5.0, 60, 0), (15.0, 60, 40), (25.0, 60, 80)]


def test_deadline_raises_poll_timeout_without_oversleeping() -> None:
    clock = FakeClock()
    task = TimedTask(clock, duration_s=1000)
    with pytest.raises(PollTimeoutError) as info:
        wait(task, "task_1", clock=clock, sleep=clock.sleep, deadline_s=100)
    assert clock.now == pytest.approx(100)
    assert info.value.last is not None and info.value.last.status is TaskStatus.RUNNING
    assert info.value.task_id == "task_1"
    assert isinstance(info.value, TimeoutError)


def test_elapsed_offset_counts_towards_deadline() -> None:
    clock = FakeClock()
    with pytest.raises(PollTimeoutError):
        wait(
            TimedTask(clock, 1000),
            "task_1",
            clock=clock,
            sleep=clock.sleep,
            deadline_s=100,
            elapsed_offset_s=90,
        )
    assert clock.now == pytest.approx(10)


@dataclass
class Scripted:
    """get_task answers from a script of tasks and errors."""

    script: list[Task | Exception]
    gets: int = 0
    listed: list[dict[str, Any]] = field(default_factory=list)

    def get_task(self, task_id: str) -> Task:
        self.gets += 1
        answer = self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def list_tasks(self, **_: Any) -> TaskPage:
        raise AssertionError("not used")


def test_transient_errors_are_waited_out() -> None:
    clock = FakeClock()
    rate_limited = RateLimitError("slow down", status_code=429, retry_after=12)
    client = Scripted(
        [
            make_task(progress=10),
            ApiConnectionError("offline"),
            rate_limited,
            make_task("task_1", "succeeded", progress=100),
        ]
    )
    final = wait(client, "task_1", clock=clock, sleep=clock.sleep, delay_fn=contract_delay)
    assert final.status is TaskStatus.SUCCEEDED
    assert clock.sleeps == [2.0, 5.0, 12.0]


def test_non_transient_errors_propagate() -> None:
    clock = FakeClock()
    not_found = NotFoundError("gone", status_code=404, code="TASK_NOT_FOUND")
    with pytest.raises(NotFoundError):
        wait(Scripted([not_found]), "task_1", clock=clock, sleep=clock.sleep)
    assert is_transient(ApiConnectionError("x"))
    assert not is_transient(not_found)


def test_wait_raises_for_failed_and_returns_cancelled() -> None:
    clock = FakeClock()
    failed = make_task(status="failed", error={"code": "PROVIDER_ERROR", "message": "policy"})
    with pytest.raises(TaskFailedError) as info:
        wait(Scripted([failed]), "task_1", clock=clock, sleep=clock.sleep)
    assert info.value.task is failed
    cancelled = make_task(status="cancelled")
    assert wait(Scripted([cancelled]), "task_1", clock=clock, sleep=clock.sleep) is cancelled
    assert clock.sleeps == []


class ListingClient:
    """Serves pages of a newest-first listing and single GETs, counting requests."""

    def __init__(self, listing: list[Task], page_size: int = 100, *, detail: bool = False):
        self.listing = listing
        self.page_size = page_size
        self.by_id = {t.id: t for t in listing}
        self.detail = detail
        self.list_calls: list[dict[str, Any]] = []
        self.get_calls: list[str] = []

    def get_task(self, task_id: str) -> Task:
        self.get_calls.append(task_id)
        if task_id not in self.by_id:
            raise NotFoundError("gone", status_code=404, code="TASK_NOT_FOUND")
        task = self.by_id[task_id]
        if self.detail and task.status is TaskStatus.SUCCEEDED:
            return task.model_copy(update={"result": [{"url": "https://cdn/x.mp4"}]})
        return task

    def list_tasks(
        self, *, start_date: Any = None, limit: int = 20, cursor: str | None = None
    ) -> TaskPage:
        self.list_calls.append({"start_date": start_date, "limit": limit, "cursor": cursor})
        start = int(cursor) if cursor else 0
        chunk = self.listing[start : start + min(limit, self.page_size)]
        more = start + len(chunk) < len(self.listing)
        return TaskPage(
            data=chunk,
            pagination=Pagination(cursor=str(start + len(chunk)), has_more=more),
        )

    @property
    def requests(self) -> int:
        return len(self.list_calls) + len(self.get_calls)


def _fleet(n: int, status: str = "running") -> list[Task]:
    """n tasks, newest first, one minute apart."""
    return [make_task(f"t{i}", status, created=T0 + timedelta(minutes=n - i)) for i in range(n)]


def test_refresh_many_one_page_for_all() -> None:
    listing = _fleet(30)
    client = ListingClient(listing)
    wanted = [listing[3], listing[10], listing[29]]
    fresh = refresh_many(client, wanted)
    assert set(fresh) == {"t3", "t10", "t29"}
    assert client.requests == 1
    call = client.list_calls[0]
    assert call["limit"] == 100
    assert call["start_date"] == listing[29].created_at - timedelta(seconds=1)


def test_refresh_many_pages_then_gets_the_last_missing() -> None:
    listing = _fleet(50)
    client = ListingClient(listing, page_size=10)
    # t45 is on page 5, t2 and t15 on pages 1 and 2; a task unknown to the listing too.
    ghost = make_task("ghost", created=T0)
    fresh = refresh_many(client, [listing[2], listing[15], listing[45], ghost])
    # Page 1 finds t2 (3 missing), page 2 finds t15 (2 missing), page 3 finds nothing
    # (still 2 missing), page 4 nothing, page 5 finds t45: one missing -> one GET.
    assert set(fresh) == {"t2", "t15", "t45"}
    assert len(client.list_calls) == 5
    assert client.get_calls == ["ghost"]


def test_refresh_many_stops_paging_when_one_is_missing() -> None:
    listing = _fleet(50)
    client = ListingClient(listing, page_size=10)
    fresh = refresh_many(client, [listing[1], listing[40]])
    assert set(fresh) == {"t1", "t40"}
    assert len(client.list_calls) == 1 and client.get_calls == ["t40"]


def test_refresh_many_skips_terminal_and_uses_get_for_one() -> None:
    listing = _fleet(5)
    client = ListingClient(listing)
    done = make_task("t0", "succeeded")
    assert refresh_many(client, [done]) == {}
    assert client.requests == 0
    fresh = refresh_many(client, [done, listing[2]])
    assert list(fresh) == ["t2"]
    assert client.requests == 1 and client.get_calls == ["t2"]


def test_refresh_many_fetches_result_urls_of_finished_tasks() -> None:
    listing = [*_fleet(3, "succeeded"), *_fleet(2)]
    listing = [t.model_copy(update={"id": f"x{i}"}) for i, t in enumerate(listing)]
    client = ListingClient(listing, detail=True)
    stale = [t.model_copy(update={"status": TaskStatus.RUNNING}) for t in listing]
    fresh = refresh_many(client, stale)
    assert len(client.list_calls) == 1
    assert client.get_calls == ["x0", "x1", "x2"]
    assert all(fresh[f"x{i}"].video is not None for i in range(3))


def test_refresh_many_leaves_out_unknown_ids() -> None:
    client = ListingClient([])
    fresh = refresh_many(client, [make_task("a"), make_task("b")])
    assert fresh == {}
    assert len(client.list_calls) == 1 and client.get_calls == ["a", "b"]
