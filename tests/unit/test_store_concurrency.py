"""One person's budget holds against threads and processes reserving at once on PostgreSQL,
as app replicas do: separate processes on one database (SQLite's processes sharing a file:
`test_ledger_processes`, its threads: `test_budget`).

Each worker process opens the store as the app does (`Store(data_dir, scope, owner=…,
database_url=…)`), prints `ready`, waits for a line on stdin (so the test releases every
process and thread together, no sleeping), reserves from several threads and prints what
was accepted. The ledger is then counted: never more than the budget.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from modelhunter.requests import parse_request
from playground.budget import Budget, BudgetExceededError
from playground.runs import Run

if TYPE_CHECKING:
    from tests.conftest import StoreOpener

ROOT = Path(__file__).resolve().parents[2]
SCOPE = "key-crowd"
ANA, BEN = "ana@example.com", "ben@example.com"
NOW = "2026-01-15T10:00:00+00:00"
PRICE = Decimal("0.42")
FITS = 7  # the person's budget holds exactly this many runs
BUDGET = Budget(daily=PRICE * FITS)  # $2.94; no team cap
THREADS, ATTEMPTS = 4, 3  # per process: 12 attempts each

_WORKER = textwrap.dedent(
    """
    import json
    import secrets
    import sys
    import threading
    from datetime import datetime
    from decimal import Decimal

    from modelhunter.requests import parse_request
    from playground.budget import Budget, BudgetExceededError
    from playground.runs import Run
    from playground.store import Store

    root, scope, owner, url, now, daily, threads, attempts = sys.argv[1:9]
    store = Store(root, scope, owner=owner, database_url=url or None)
    budget = Budget(daily=Decimal(daily))
    request = parse_request(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": "x"}}
    )
    accepted, refused = [], []
    lock = threading.Lock()

    def reserve() -> None:
        for _ in range(int(attempts)):
            run = Run(
                run_id="run_" + secrets.token_hex(8),
                created_at=datetime.fromisoformat(now),
                request=request,
                price=Decimal("0.42"),
            )
            try:
                store.reserve(run, budget)
            except BudgetExceededError:
                with lock:
                    refused.append(run.run_id)
            else:
                with lock:
                    accepted.append(run.run_id)

    workers = [threading.Thread(target=reserve) for _ in range(int(threads))]
    print("ready", flush=True)
    sys.stdin.readline()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps({"accepted": accepted, "refused": len(refused)}), flush=True)
    """
)


def _spawn(root: Path, stores: StoreOpener, owner: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _WORKER,
            str(root),
            SCOPE,
            owner,
            stores.database_url or "",
            NOW,
            str(BUDGET.daily),
            str(THREADS),
            str(ATTEMPTS),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _ready(worker: subprocess.Popen) -> None:
    assert worker.stdout is not None
    line = worker.stdout.readline()
    assert line == "ready\n", line + worker.communicate(timeout=60)[1]


def _result(worker: subprocess.Popen) -> dict:
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("store_backend", ["postgresql"])
def test_threads_and_processes_never_commit_more_than_a_persons_budget(
    tmp_path, open_store
) -> None:
    ana = open_store(tmp_path, SCOPE, owner=ANA)  # migrated before the crowd arrives
    ben = open_store(tmp_path, SCOPE, owner=BEN)
    owners = (ANA, ANA, BEN)  # Ben: his own budget, the same workspace's lock
    processes = [_spawn(tmp_path, open_store, owner) for owner in owners]  # start together
    for worker in processes:
        _ready(worker)

    request = parse_request(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": "x"}}
    )
    start = threading.Barrier(THREADS + 1)
    here: list[str] = []
    refused_here: list[str] = []
    errors: list[BaseException] = []

    def reserve(n: int) -> None:
        start.wait()
        for attempt in range(ATTEMPTS):
            run = Run(
                run_id=f"run_here_{n}_{attempt}",
                created_at=datetime.fromisoformat(NOW),
                request=request,
                price=PRICE,
            )
            try:
                ana.reserve(run, BUDGET)
                here.append(run.run_id)
            except BudgetExceededError:
                refused_here.append(run.run_id)
            except BaseException as exc:  # reported below
                errors.append(exc)

    threads = [threading.Thread(target=reserve, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for worker in processes:  # every process is ready: release them with the threads
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    start.wait()
    for thread in threads:
        thread.join(120)
    results = [_result(worker) for worker in processes]
    assert not errors, errors

    accepted = set(here) | {r for result in results[:2] for r in result["accepted"]}
    entries = ana.ledger.entries()
    assert len(entries) == FITS == len(accepted), (len(entries), results)
    assert {e.run_id for e in entries} == accepted, "every accepted run, nothing else"
    assert sum(e.amount for e in entries) == BUDGET.daily
    assert {r.run_id for r in ana.runs()} == accepted
    attempts = (THREADS * ATTEMPTS) * 3
    tried = len(here) + len(refused_here)
    assert tried + sum(len(r["accepted"]) + r["refused"] for r in results[:2]) == attempts
    assert len(results[2]["accepted"]) == FITS, "Ben had his own budget all along"
    assert ana.ledger.standing(BUDGET, datetime.fromisoformat(NOW)).today == BUDGET.daily
    assert ben.ledger.standing(BUDGET, datetime(2026, 1, 15, 23, tzinfo=UTC)).today == (
        BUDGET.daily
    )
