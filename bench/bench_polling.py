"""Polling: requests per cycle for many runs, and the smart schedule against the contract's.

Both benchmarks talk to the in-process offline ModelHunter (`httpx.MockTransport`) on a
`ManualClock`, so nothing sleeps and every request is counted from the fake's request log.

1. Many runs: `TASKS` tasks running at once; one poll cycle = a fresh state of each. The
   baseline asks `GET /tasks/{id}` per task; ours is `polling.refresh_many` (a list page).
2. Smarter polling: `SCHEDULE_TASKS` tasks whose real durations spread over 30–300 s around
   the `estimated_seconds` of their submit ack (the fake's estimate is exact, so a `Timing`
   whose estimate is off by a factor in [`ESTIMATE_LOW`, `ESTIMATE_HIGH`] plays a server
   that guesses; the note also gives the figures with exact estimates). Each task is
   followed with `polling.iter_status`, advancing the clock by each delay, with
   `contract_delay` vs `smart_delay`: requests per task and the mean delay from the task's
   `completed_at` to the poll that first sees it succeeded.
"""

from __future__ import annotations

import random
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import httpx

from bench.common import Result, format_table
from fake_modelhunter import FakeModelHunter, ManualClock, Timing
from modelhunter import polling
from modelhunter.client import Client
from modelhunter.polling import DelayFn, contract_delay, smart_delay
from modelhunter.requests import KlingV3Input, KlingV3Request
from modelhunter.responses import Task, TaskStatus

__all__ = ["run"]

KEY = "river_test_" + "bench" * 6 + "00"
IMAGE_URL = "https://example.com/start.jpg"

TASKS = 20
CYCLES = 10
CYCLE_S = 5.0

SCHEDULE_TASKS = 40
SHORTEST_S = 30.0
LONGEST_S = 300.0
ESTIMATE_LOW = 0.7
ESTIMATE_HIGH = 1.4
SEED = 7
PENDING_S = 2.0
QUEUED_S = 5.0


@dataclass(frozen=True)
class GuessingTiming(Timing):
    """A task lifecycle whose submit ack reports `estimate_s`, not the true total.

    The fake's ack says `estimated_seconds = timing.total(duration)`; real servers guess.
    """

    estimate_s: float | None = None

    def total(self, duration: int) -> float:
        return self.estimate_s if self.estimate_s is not None else super().total(duration)


@dataclass(frozen=True)
class Followed:
    """One task polled to its end with one schedule."""

    requests: int
    detection_delay_s: float


@contextmanager
def _client(fake: FakeModelHunter) -> Iterator[Client]:
    transport = httpx.MockTransport(fake.handle)
    with Client(KEY, base_url=fake.base_url, transport=transport) as client:
        yield client


def _request(n: int) -> KlingV3Request:
    return KlingV3Request(input=KlingV3Input(image=IMAGE_URL, prompt=f"bench run {n}"))


def _gets(fake: FakeModelHunter, since: int) -> int:
    """API polls (GET /tasks…) logged after the first `since` requests."""
    return sum(
        1 for r in fake.requests[since:] if r.method == "GET" and r.path.startswith("/tasks")
    )


def many_runs(tasks: int = TASKS, cycles: int = CYCLES) -> Result:
    """Requests per poll cycle for `tasks` running tasks: one GET each vs `refresh_many`."""
    clock = ManualClock()
    # Long enough that every task is still running at the last cycle.
    running_s = cycles * CYCLE_S + tasks + 600
    with (
        FakeModelHunter(
            clock=clock, timing=Timing(running_s=running_s), synthesize_videos=False
        ) as fake,
        _client(fake) as client,
    ):
        known: list[Task] = []
        for n in range(tasks):
            known.append(client.get_task(client.submit(_request(n)).id))
            clock.advance(1)
        naive: list[int] = []
        batch: list[int] = []
        for _ in range(cycles):
            clock.advance(CYCLE_S)
            mark = len(fake.requests)
            naive_fresh = [client.get_task(t.id) for t in known]
            naive.append(_gets(fake, mark))
            mark = len(fake.requests)
            fresh = polling.refresh_many(client, known)
            batch.append(_gets(fake, mark))
            if len(fresh) != len(known) or any(t.is_terminal for t in naive_fresh):
                raise RuntimeError("Every task must be seen, and still running, each cycle.")
            known = [fresh[t.id] for t in known]
    return Result(
        name=f"Polling {tasks} active runs",
        unit="req/cycle",
        baseline_label="GET per task",
        baseline=statistics.mean(naive),
        ours_label="refresh_many",
        ours=statistics.mean(batch),
        goal=0.1,
        note=f"mean of {cycles} cycles; in-process fake, requests counted from its log",
    )


def _follow(timing: GuessingTiming, delay_fn: DelayFn) -> Followed:
    """Submit one task and poll it to the end with `delay_fn`, on the fake's clock."""
    clock = ManualClock()
    fake = FakeModelHunter(clock=clock, timing=timing, synthesize_videos=False)
    with fake, _client(fake) as client:
        ack = client.submit(_request(0))
        mark = len(fake.requests)
        states = polling.iter_status(
            client,
            ack.id,
            clock=lambda: clock.now().timestamp(),
            sleep=clock.advance,
            delay_fn=delay_fn,
            estimated_seconds=ack.estimated_seconds,
        )
        final = list(states)[-1]
        seen_at: datetime = clock.now()
        requests = _gets(fake, mark)
    if final.status is not TaskStatus.SUCCEEDED or final.completed_at is None:
        raise RuntimeError(f"The simulated task ended {final.status}, not succeeded.")
    return Followed(requests, (seen_at - final.completed_at).total_seconds())


def _timings(n: int, *, exact: bool) -> list[GuessingTiming]:
    """`n` lifecycles, 30–300 s in total, each with its (possibly wrong) ack estimate."""
    rng = random.Random(SEED)
    timings = []
    for _ in range(n):
        total = rng.uniform(SHORTEST_S, LONGEST_S)
        factor = rng.uniform(ESTIMATE_LOW, ESTIMATE_HIGH)
        timings.append(
            GuessingTiming(
                pending_s=PENDING_S,
                queued_s=QUEUED_S,
                running_s=total - PENDING_S - QUEUED_S,
                estimate_s=total if exact else round(total * factor),
            )
        )
    return timings


def _schedules(timings: list[GuessingTiming]) -> dict[str, tuple[float, float]]:
    """Mean requests per task and mean detection delay, per schedule."""
    out: dict[str, tuple[float, float]] = {}
    for name, fn in (("contract", contract_delay), ("smart", smart_delay)):
        followed = [_follow(t, fn) for t in timings]
        out[name] = (
            statistics.mean(f.requests for f in followed),
            statistics.mean(f.detection_delay_s for f in followed),
        )
    return out


def smarter_polling(tasks: int = SCHEDULE_TASKS) -> list[Result]:
    """Contract schedule vs `smart_delay`: requests per task and mean detection delay."""
    guessed = _schedules(_timings(tasks, exact=False))
    exact = _schedules(_timings(tasks, exact=True))
    (c_req, c_lag), (s_req, s_lag) = guessed["contract"], guessed["smart"]
    (ce_req, ce_lag), (se_req, se_lag) = exact["contract"], exact["smart"]
    spread = f"n={tasks} tasks of 30–300 s, ack estimate ×{ESTIMATE_LOW}–{ESTIMATE_HIGH}"
    exact_note = f"exact estimates: {se_req / ce_req:.2f}× req, {se_lag / ce_lag:.2f}× delay"
    return [
        Result(
            name="Smart polling: requests per task",
            unit="req",
            baseline_label="contract 2 s/5 s",
            baseline=c_req,
            ours_label="smart_delay",
            ours=s_req,
            goal=0.5,
            note=f"{spread}; {exact_note}",
        ),
        Result(
            name="Smart polling: mean detection delay",
            unit="s",
            baseline_label="contract 2 s/5 s",
            baseline=c_lag,
            ours_label="smart_delay",
            ours=s_lag,
            goal=1.0,
            note=f"completed_at → first poll seeing succeeded; {spread}",
        ),
    ]


def run(quick: bool = False) -> list[Result]:
    """Both polling benchmarks; `quick` uses a handful of tasks (smoke tests)."""
    if quick:
        return [many_runs(tasks=3, cycles=2), *smarter_polling(tasks=3)]
    return [many_runs(), *smarter_polling()]


if __name__ == "__main__":
    sys.stdout.write(format_table(run("--quick" in sys.argv)) + "\n")
