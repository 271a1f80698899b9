"""Scale of views: the History page over 10,000 tasks, and the store at 100,000 runs.

* History: the page's rerun (AppTest, Live mode) listing a key with 10,000 tasks vs one with
  100. The API is the offline ModelHunter in another process (`bench.seeded_fake`), so its
  own work (it walks every task to count them) is not counted as the page's; CPU time of this
  process, medians of reruns taking turns, as in `bench_page`.
* Store: the queries a page view makes on a store of 100,000 runs, each timed alone (median
  of `QUERY_REPEATS`), against the 20 ms a page view may spend on them: the budget meter
  (`Ledger.standing`), a run by id (polling syncs), our run of a listed task (History's
  Recover, indexed on task_id), the batches, the prompt history. Opening a session — the
  Gallery and Generate pages load the session's runs once, `Store.runs()` — is given as its
  own figure.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from streamlit.testing.v1 import AppTest

from bench.bench_page import APP, ENV_DATA_DIR, TIMEOUT_S, WARMUP, demo_mode
from bench.bench_page import _run as run_page
from bench.common import Result, format_table
from modelhunter.requests import KlingV3Input, KlingV3Request
from modelhunter.responses import Task, TaskStatus
from playground.budget import Budget
from playground.runs import Run
from playground.store import Store

__all__ = ["fill_runs", "run"]

ROOT = Path(__file__).resolve().parents[1]
KEY = "river_live_" + "h" * 32
HISTORY = "app_pages/history.py"
HISTORY_TASKS = 10_000
HISTORY_BASE = 100
STORE_RUNS = 100_000
RERUNS = 21
QUERY_REPEATS = 15
QUERY_BUDGET_MS = 20.0


@contextmanager
def seeded_api(tasks: int) -> Iterator[str]:
    """The offline API in another process with `tasks` tasks of `KEY`; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.seeded_fake", "--tasks", str(tasks), "--key", KEY],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError("The seeded offline API did not start.")
        yield f"http://127.0.0.1:{int(line.split()[1])}/api/v1"
    finally:
        proc.terminate()
        proc.wait(10)


def _history_app(url: str, data_dir: Path) -> tuple[AppTest, Callable[[], tuple[float, float]]]:
    env = {"MODELHUNTER_KEY": KEY, "MODELHUNTER_BASE_URL": url, ENV_DATA_DIR: str(data_dir)}

    def rerun() -> tuple[float, float]:
        os.environ.update(env)
        return run_page(at)

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    rerun()
    at.switch_page(HISTORY)
    rerun()
    if at.exception or not any("in all" in (c.value or "") for c in at.caption):
        shown = [e.value for e in (*at.error, *at.warning, *at.caption)]
        raise RuntimeError(f"The History page shows no tasks: {shown}")
    return at, rerun


def history_page(
    tasks: int = HISTORY_TASKS, base: int = HISTORY_BASE, reruns: int = RERUNS
) -> Result:
    """History page rerun over `tasks` tasks vs over `base` tasks."""
    saved = {k: os.environ.get(k) for k in ("MODELHUNTER_KEY", "MODELHUNTER_BASE_URL")}
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            demo_mode(),
            seeded_api(tasks) as many_url,
            seeded_api(base) as few_url,
        ):
            _, many = _history_app(many_url, Path(tmp) / "many")
            _, few = _history_app(few_url, Path(tmp) / "few")
            for _ in range(WARMUP):
                many(), few()
            times: dict[str, list[tuple[float, float]]] = {"many": [], "few": []}
            for n in range(reruns):
                for side in ("many", "few") if n % 2 == 0 else ("few", "many"):
                    times[side].append((many if side == "many" else few)())
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    cpu = {s: statistics.median(t[0] for t in v) * 1000 for s, v in times.items()}
    wall = {s: statistics.median(t[1] for t in v) * 1000 for s, v in times.items()}
    return Result(
        name=f"History page rerun, {tasks:,} tasks",
        unit="CPU ms",
        baseline_label=f"{base:,} tasks",
        baseline=cpu["few"],
        ours_label=f"{tasks:,} tasks",
        ours=cpu["many"],
        goal=1.5,
        note=f"median of {reruns} reruns each, taking turns; Live mode, the offline API in "
        f"another process; wall time {wall['many']:.0f} vs {wall['few']:.0f} ms "
        f"(the API's own listing of {tasks:,} tasks is in the wall time)",
    )


def fill_runs(store: Store, runs: int) -> list[Run]:
    """`runs` finished runs in one transaction (their ledger entries too); returns a few."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    request = KlingV3Request(input=KlingV3Input(image="https://example.com/a.jpg", prompt="x"))
    sample: list[Run] = []
    with store._transaction() as db:
        for n in range(runs):
            created = start + timedelta(minutes=n)
            task = Task(
                id=f"task_{n:012x}",
                type="video",
                status=TaskStatus.SUCCEEDED,
                provider="kling",
                model="kling-v3",
                progress=100,
                cost=Decimal("0.42"),
                created_at=created,
                completed_at=created + timedelta(seconds=40),
            )
            run = Run(
                run_id=f"run_{n:012x}",
                created_at=created,
                request=request.model_copy(
                    update={"input": request.input.model_copy(update={"prompt": f"run {n}"})}
                ),
                price=Decimal("0.42"),
                phase="tracking",
                task=task,
            )
            store._write(db, run)
            if n % max(1, runs // 4) == 0:
                sample.append(run)
    return sample


def _median_ms(query: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        query()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def store_queries(runs: int = STORE_RUNS, repeats: int = QUERY_REPEATS) -> list[Result]:
    """The per-view queries at `runs` runs, and opening a session's runs."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp), "scale")
        sample = fill_runs(store, runs)
        now = sample[-1].created_at + timedelta(hours=1)
        budget = Budget(daily=Decimal(100), monthly=Decimal(1000))
        queries: dict[str, Callable[[], object]] = {
            "budget meter": lambda: store.ledger.standing(budget, now),
            "run by id": lambda: [store.get(r.run_id) for r in sample[:1]],
            "run of a task": lambda: store.run_for_task(sample[1].task_id or ""),
            "batches": store.batches.all,
            "prompt history": lambda: store.prompts.recent("prompt"),
        }
        timed = {name: _median_ms(q, repeats) for name, q in queries.items()}
        opening = _median_ms(store.runs, max(1, repeats // 5))
        newest = _median_ms(lambda: store.runs(limit=60), repeats)
        store.close()
    slowest = max(timed, key=lambda n: timed[n])
    listing = ", ".join(f"{n} {ms:.2f}" for n, ms in timed.items())
    return [
        Result(
            name=f"Store queries of a page view, {runs:,} runs",
            unit="ms",
            baseline_label="budget",
            baseline=QUERY_BUDGET_MS,
            ours_label="all of them",
            ours=sum(timed.values()),
            goal=1.0,
            note=f"median of {repeats} each (ms): {listing}; slowest: {slowest}; "
            "indexes on created_at, task_id and the ledger's time",
        ),
        Result(
            name=f"Store: a session's runs loaded at {runs:,} runs",
            unit="ms",
            baseline_label="budget",
            baseline=QUERY_BUDGET_MS,
            ours_label="Store.runs()",
            ours=opening,
            goal=1.0,
            note=f"once per session (the Gallery and Generate pages keep the runs in the "
            f"session); the newest 60 alone: {newest:.1f} ms",
        ),
    ]


def run(quick: bool = False) -> list[Result]:
    """History 10,000 vs 100 tasks and the store at 100,000 runs (`quick`: tiny sizes)."""
    if quick:
        return [history_page(30, 3, 2), *store_queries(200, 2)]
    return [history_page(), *store_queries()]


if __name__ == "__main__":
    sys.stdout.write(format_table(run("--quick" in sys.argv)) + "\n")
