"""Across app replicas on one PostgreSQL database, one replica at a time polls a workspace:
one list request per cycle for every run in progress, whichever replica submitted it; the
other replica's sessions read the fresh status from the database; a replica that stops
renewing its lease is replaced."""

from __future__ import annotations

from pathlib import Path

import httpx

from fake_modelhunter import FakeModelHunter, ManualClock, Timing
from modelhunter.client import Client
from modelhunter.requests import KlingV3Input, KlingV3Request
from playground.database import sql
from playground.jobs import Jobs
from playground.runs import Run
from playground.shared_poller import LEASE_CYCLES, SharedPoller
from playground.store import Store
from playground.tracker import LIVE_TICK_S

KEY = "river_live_" + "r" * 32
SCOPE = "key-replicas"


def _replica(tmp_path: Path, url: str, fake: FakeModelHunter, clock: ManualClock) -> Jobs:
    client = Client(KEY, base_url=fake.base_url, transport=httpx.MockTransport(fake.handle))
    return Jobs(client, Store(tmp_path, SCOPE, database_url=url), now=clock.now)


def _submit(jobs: Jobs, n: int) -> Run:
    request = KlingV3Request(
        input=KlingV3Input(image="https://example.com/a.png", prompt=f"replica run {n}")
    )
    return jobs.submit(request)


def _two_replicas(
    tmp_path: Path, url: str, running_s: float
) -> tuple[ManualClock, FakeModelHunter, tuple[Jobs, SharedPoller], tuple[Jobs, SharedPoller]]:
    """One offline API (tasks running `running_s`) and two replicas on one database, each
    with its own jobs service and shared poller."""
    clock = ManualClock()
    fake = FakeModelHunter(
        clock=clock,
        timing=Timing(pending_s=1, queued_s=1, running_s=running_s),
        synthesize_videos=False,
    )
    one, two = _replica(tmp_path, url, fake, clock), _replica(tmp_path, url, fake, clock)
    return clock, fake, (one, SharedPoller("replica-1")), (two, SharedPoller("replica-2"))


def _lists(fake: FakeModelHunter, since: int) -> int:
    return sum(1 for r in fake.requests[since:] if r.method == "GET" and r.path == "/tasks")


def test_one_replica_polls_every_run_of_the_workspace_once_per_cycle(
    tmp_path: Path, postgres_url: str
) -> None:
    clock, fake, (one, first), (two, second) = _two_replicas(tmp_path, postgres_url, 20)
    mine = [_submit(one, n) for n in range(3)]
    theirs = [_submit(two, n) for n in range(3, 6)]  # replica 2's sessions watch these only
    per_cycle = []
    for _ in range(40):
        clock.advance(LIVE_TICK_S)
        since = len(fake.requests)
        mine = (
            first.tick(one, [r for r in mine if r.active], clock.now(), cycle_s=LIVE_TICK_S) or mine
        )
        theirs = (
            second.tick(two, [r for r in theirs if r.active], clock.now(), cycle_s=LIVE_TICK_S)
            or theirs
        )
        per_cycle.append(_lists(fake, since))
        store = one.store
        if not store.active_runs():
            break
    assert max(per_cycle) == 1, "one list request per cycle for both replicas together"
    assert not one.store.active_runs(), "every run finished, also those replica 2 submitted"
    finished = [one.store.get(r.run_id) for r in [*mine, *theirs]]
    assert all(r is not None and r.status == "succeeded" for r in finished)
    assert first.watching(one) == set(), "the holder let go of the finished runs"
    fake.close()


def test_a_replica_that_stops_polling_is_replaced_after_its_lease(
    tmp_path: Path, postgres_url: str
) -> None:
    clock, fake, (one, first), (two, second) = _two_replicas(tmp_path, postgres_url, 600)
    run = _submit(two, 0)
    clock.advance(LIVE_TICK_S)
    first.tick(one, [], clock.now(), cycle_s=LIVE_TICK_S)  # replica 1 takes the lease
    since = len(fake.requests)
    second.tick(two, [run], clock.now(), cycle_s=LIVE_TICK_S)
    assert _lists(fake, since) == 0, "replica 2 leaves the polling to the lease holder"
    assert _holder(two.store) == "replica-1"
    # replica 1 goes away (no more ticks); replica 2 takes over once the lease runs out
    taken_over = None
    for cycle in range(1, LEASE_CYCLES + 3):
        clock.advance(LIVE_TICK_S)
        second.tick(two, [run], clock.now(), cycle_s=LIVE_TICK_S)
        if _holder(two.store) == "replica-2":
            taken_over = cycle
            break
    assert taken_over == LEASE_CYCLES, "not before the lease ran out, and right after"
    clock.advance(3600)  # the run finishes on the API; replica 2 now polls it
    since = len(fake.requests)
    (fresh,) = second.tick(two, [run], clock.now(), cycle_s=LIVE_TICK_S)
    polled = [r.path for r in fake.requests[since:] if r.path.startswith("/tasks")]
    assert polled == [f"/tasks/{fresh.task_id}"], "replica 2 polls it now"
    assert fresh.status == "succeeded" and fresh.video_file, "and downloads its video"
    fake.close()


def _holder(store: Store) -> str | None:
    with store.place.connect() as db:
        return sql(db, "SELECT holder FROM poll_leases WHERE scope=:s", s=SCOPE).scalar()
