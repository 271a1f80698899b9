"""Sessions of one key share one poller: one list request per cycle for all of their runs,
each session still sees its own runs move on, and no run is lost."""

from __future__ import annotations

from pathlib import Path

import httpx

from fake_modelhunter import FakeModelHunter, ManualClock, Timing
from modelhunter.client import Client
from modelhunter.requests import KlingV3Input, KlingV3Request
from playground.jobs import Jobs
from playground.state import Session, poll
from playground.store import Store
from playground.tracker import LIVE_TICK_S

KEY = "river_live_" + "p" * 32


def _tabs(tmp_path: Path, sessions: int, runs_each: int):
    clock = ManualClock()
    fake = FakeModelHunter(
        clock=clock, timing=Timing(pending_s=1, queued_s=1, running_s=20), synthesize_videos=False
    )
    client = Client(KEY, base_url=fake.base_url, transport=httpx.MockTransport(fake.handle))
    tabs = []
    for s in range(sessions):
        jobs = Jobs(client, Store(tmp_path, "key-shared"), now=clock.now)
        session = Session()
        for n in range(runs_each):
            request = KlingV3Request(
                input=KlingV3Input(image="https://example.com/a.png", prompt=f"tab {s} run {n}")
            )
            run = jobs.submit(request)
            session.runs[run.run_id] = run
        tabs.append((jobs, session))
    return clock, fake, tabs


def _lists(fake: FakeModelHunter, since: int) -> int:
    return sum(1 for r in fake.requests[since:] if r.method == "GET" and r.path == "/tasks")


def test_two_sessions_of_one_key_send_one_list_request_per_cycle_and_lose_no_run(
    tmp_path: Path,
) -> None:
    clock, fake, tabs = _tabs(tmp_path, sessions=2, runs_each=3)
    per_cycle = []
    finished_in = {id(session): 0 for _, session in tabs}
    for _ in range(40):
        clock.advance(LIVE_TICK_S)
        since = len(fake.requests)
        for jobs, session in tabs:
            if poll(jobs, session):
                finished_in[id(session)] += 1
        per_cycle.append(_lists(fake, since))
        if not any(session.active() for _, session in tabs):
            break
    assert max(per_cycle) == 1, "both tabs' runs go out in one list request per cycle"
    assert sum(per_cycle) >= 2
    for _, session in tabs:
        assert not session.active()
        assert len(session.runs) == 3
        assert all(r.status == "succeeded" and r.video_file for r in session.runs.values())
    assert all(finished_in.values()), "each tab learned its runs finished (and redraws)"
    fake.close()


def test_a_tab_sees_its_run_move_on_from_a_refresh_another_tab_made(tmp_path: Path) -> None:
    clock, fake, tabs = _tabs(tmp_path, sessions=2, runs_each=1)
    (first_jobs, first), (second_jobs, second) = tabs
    clock.advance(LIVE_TICK_S)
    poll(first_jobs, first), poll(second_jobs, second)  # both tabs hand in their runs
    clock.advance(30)  # the runs have finished on the API
    poll(first_jobs, first)  # this tab's tick makes the cycle's one refresh
    since = len(fake.requests)
    assert poll(second_jobs, second), "the other tab's run is reported finished"
    assert len(fake.requests) == since, "without a request of its own"
    (run,) = second.runs.values()
    assert run.status == "succeeded" and run.video_file
    fake.close()
