"""Batch submit: 12 variations sent as one batch vs 12 single submits one after another.

Both go to the offline ModelHunter on a loopback socket (`fake_modelhunter.serve`, another
thread; its slowness really waits) that answers every create about `CREATE_LATENCY_S` late
(`Deviations(slow_submit_s=…)`, the fake's knob for a slow submit). Ours is
`playground.batch_runner.send_batch` (reserved against a budget, then `WORKERS` submits at a
time); the baseline submits the same 12 requests through `Jobs.submit`, one by one, as 12
clicks of Generate would. Duplicates are counted from the fake: tasks it made for the key
beyond one per combination, and client references used twice.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from bench.common import Result, format_table
from fake_modelhunter import FakeModelHunter
from fake_modelhunter.asgi import serve
from fake_modelhunter.deviations import Deviations
from modelhunter.client import Client
from playground.batch_runner import WORKERS, send_batch
from playground.batches import Variations, plan_batch
from playground.budget import Budget
from playground.draft import Draft, ImageChoice
from playground.jobs import Jobs
from playground.store import Store

__all__ = ["run"]

KEY = "river_live_" + "c" * 32
CREATE_LATENCY_S = 0.3
COMBINATIONS = 12
REPEATS = 2
IMAGE = ImageChoice(kind="url", name="sea.png", url="https://example.com/sea.png")


def _plan(prompts: int):
    draft = Draft(
        model="kling-v3",
        values={"input.prompt": "waves", "input.duration": 5},
        images={"image": IMAGE},
    )
    return plan_batch(draft, Variations(prompts=[f"variation {n}" for n in range(prompts)]))


def _duplicates(jobs: Jobs, fake: FakeModelHunter, tasks_before: int, sent: int) -> int:
    """Tasks made beyond one per combination, plus task ids claimed by two runs."""
    extra = fake.task_count(KEY) - tasks_before - sent
    ids = Counter(r.task_id for r in jobs.store.runs() if r.task_id)
    return max(0, extra) + sum(n - 1 for n in ids.values() if n > 1)


def run(quick: bool = False) -> list[Result]:
    """Wall time of a 12-variation batch vs 12 sequential submits (median of repeats)."""
    combos = 3 if quick else COMBINATIONS
    latency = 0.02 if quick else CREATE_LATENCY_S
    repeats = 1 if quick else REPEATS
    fake = FakeModelHunter(deviations=Deviations(slow_submit_s=latency), synthesize_videos=False)
    fake.set_balance(KEY, Decimal(10_000))
    batch_s: list[float] = []
    single_s: list[float] = []
    duplicates = 0
    try:
        with serve(fake) as url, tempfile.TemporaryDirectory() as tmp:
            client = Client(KEY, base_url=url)
            try:
                for n in range(repeats):
                    plan = _plan(combos)
                    requests = [c.request for c in plan.accepted if c.request is not None]
                    if len(requests) != combos:
                        raise RuntimeError("The benchmark batch has refused combinations.")
                    for turn in ("batch", "single") if n % 2 == 0 else ("single", "batch"):
                        jobs = Jobs(client, Store(Path(tmp), f"{turn}-{n}"))
                        before = fake.task_count(KEY)
                        budget = Budget(daily=Decimal(1000))
                        started = time.perf_counter()
                        if turn == "batch":
                            _, runs = send_batch(jobs, plan, lambda _i: {}, budget=budget)
                            batch_s.append(time.perf_counter() - started)
                        else:
                            runs = [jobs.submit(r, budget=budget) for r in requests]
                            single_s.append(time.perf_counter() - started)
                        if any(r.phase != "tracking" for r in runs):
                            raise RuntimeError(f"A {turn} submit did not go through.")
                        duplicates += _duplicates(jobs, fake, before, len(runs))
            finally:
                client.close()
    finally:
        fake.close()
    if duplicates:  # the money rule: never a figure to weigh, always a failure
        raise RuntimeError(f"{duplicates} duplicate task(s) were made.")
    return [
        Result(
            name=f"Batch submit, {combos} variations",
            unit="s",
            baseline_label=f"{combos} sequential submits",
            baseline=statistics.median(single_s),
            ours_label=f"send_batch ({WORKERS} at a time)",
            ours=statistics.median(batch_s),
            goal=0.3,
            note=f"loopback offline API, {latency * 1000:.0f} ms per create; median of "
            f"{repeats} each, taking turns; both reserve against a budget; duplicate tasks: "
            f"{duplicates} (any would fail the run)",
        ),
    ]


if __name__ == "__main__":
    sys.stdout.write(format_table(run("--quick" in sys.argv)) + "\n")
