"""Many sessions, one server: 20 sessions of one key, each tracking 3 runs.

Each session is what a browser tab holds (`playground.state.Session` with its own `Jobs` on
the key's store); the offline ModelHunter is in-process on a `ManualClock`, so nothing
sleeps and every request is counted from its log. Every cycle (`LIVE_TICK_S` of the fake's
clock) each session's fragment ticks once:

* baseline: each session polls its own runs (`RunTracker.tick`, how ticks worked before the
  shared poller);
* ours: `playground.state.poll`, the timer tick through the process's shared poller.

Figures: list requests in the busiest cycle (the mean over the runs' lifetime in the note;
the smart schedule skips cycles where no run is due), and the CPU time one idle session's
tick costs this process, as a share of one core at one tick per `LIVE_TICK_S`. That share
covers polling and reading the store (the in-process fake's own work included); the
fragment's redraw of the cards is Streamlit's per-element cost and is not in it.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import Result, format_table
from fake_modelhunter import FakeModelHunter, ManualClock, Timing
from modelhunter.client import Client
from modelhunter.requests import KlingV3Input, KlingV3Request
from playground.jobs import Jobs
from playground.state import Session, poll
from playground.store import Store
from playground.tracker import LIVE_TICK_S

__all__ = ["run", "simulate"]

KEY = "river_live_" + "s" * 32
SESSIONS = 20
RUNS_EACH = 3
RUNNING_S = 90


def _lists(fake: FakeModelHunter, since: int) -> int:
    return sum(1 for r in fake.requests[since:] if r.method == "GET" and r.path == "/tasks")


def simulate(sessions: int, runs_each: int, *, shared: bool, running_s: int = RUNNING_S):
    """Run every session's ticks until all runs finish.

    Returns:
        (list requests per cycle, their most in one cycle, CPU seconds per session tick,
        runs that finished with their video).
    """
    clock = ManualClock()
    fake = FakeModelHunter(
        clock=clock,
        timing=Timing(pending_s=1, queued_s=2, running_s=running_s),
        synthesize_videos=False,
    )
    with tempfile.TemporaryDirectory() as tmp:
        client = Client(KEY, base_url=fake.base_url, transport=httpx.MockTransport(fake.handle))
        tabs: list[tuple[Jobs, Session]] = []
        for s in range(sessions):
            jobs = Jobs(client, Store(Path(tmp), "key-sessions"), now=clock.now)
            session = Session()
            for n in range(runs_each):
                request = KlingV3Request(
                    input=KlingV3Input(image="https://example.com/a.jpg", prompt=f"s{s} r{n}")
                )
                run = jobs.submit(request)
                session.runs[run.run_id] = run
            tabs.append((jobs, session))
        per_cycle: list[int] = []
        cpu = 0.0
        ticks = 0
        for _ in range(int((running_s + 60) / LIVE_TICK_S)):
            clock.advance(LIVE_TICK_S)
            since = len(fake.requests)
            for jobs, session in tabs:
                started = time.process_time()
                if shared:
                    poll(jobs, session)
                else:
                    for run in session.tracker.tick(
                        jobs, session.active(), jobs.now(), everything=False
                    ):
                        session.runs[run.run_id] = run
                cpu += time.process_time() - started
                ticks += 1
            per_cycle.append(_lists(fake, since))
            if not any(session.active() for _, session in tabs):
                break
        done = sum(1 for _, s in tabs for r in s.runs.values() if r.video_file)
        client.close()
    fake.close()
    return sum(per_cycle) / len(per_cycle), max(per_cycle), cpu / ticks, done


def run(quick: bool = False) -> list[Result]:
    """Requests per cycle and CPU per idle session: shared poller vs per-session polling."""
    sessions, runs_each, running = (3, 2, 10) if quick else (SESSIONS, RUNS_EACH, RUNNING_S)
    base_rate, base_max, base_cpu, base_done = simulate(
        sessions, runs_each, shared=False, running_s=running
    )
    rate, most, cpu, done = simulate(sessions, runs_each, shared=True, running_s=running)
    expected = sessions * runs_each
    if done != expected or base_done != expected:
        raise RuntimeError(f"Runs lost: {done} and {base_done} of {expected} have their video.")
    share = cpu / LIVE_TICK_S * 100
    return [
        Result(
            name=f"{sessions} sessions × {runs_each} runs, list requests in the busiest cycle",
            unit="req/cycle",
            baseline_label="each session polls its own",
            baseline=float(base_max),
            ours_label="shared poller",
            ours=float(most),
            goal=round(1 / sessions, 4),
            note=f"runs {running} s long, {LIVE_TICK_S:g} s cycles; mean per cycle over "
            f"their lifetime {rate:.2f} vs {base_rate:.2f} (the smart schedule skips cycles "
            f"where no run is due); all {expected} runs finished with their video",
        ),
        Result(
            name="CPU per idle session",
            unit="% of a core",
            baseline_label="budget",
            baseline=1.0,
            ours_label="one tick per cycle",
            ours=share,
            goal=1.0,
            note=f"{cpu * 1000:.2f} ms per tick (baseline {base_cpu * 1000:.2f} ms), "
            f"{LIVE_TICK_S:g} s cycle; polling and store reads, in-process fake included; "
            "not the fragment's redraw",
        ),
    ]


if __name__ == "__main__":
    sys.stdout.write(format_table(run("--quick" in sys.argv)) + "\n")
