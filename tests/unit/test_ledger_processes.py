"""The Live budget holds across real processes sharing a data dir, restarts and crashes.

Each worker is a separate Python process running what the app runs for a submit: the budget
from `MODELHUNTER_*` settings, `Jobs` over a `Store` of the shared data dir, a client on an
offline ModelHunter (its MockTransport, its clock set from the command line). Workers print
`ready` and wait for a line on stdin, so the test releases them together (no sleeping).
Each test runs on both backends: the workers share the data dir's SQLite file, or one
PostgreSQL database (`MODELHUNTER_DATABASE_URL`, as app replicas do).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from playground.budget import Budget
from playground.settings import scope_for

if TYPE_CHECKING:
    from tests.conftest import StoreOpener

ROOT = Path(__file__).resolve().parents[2]
KEY = "river_live_" + "p" * 32
BUDGET = Budget(daily=Decimal("1.00"))
MORNING = "2026-01-15T09:00:00+00:00"

_WORKER = textwrap.dedent(
    """
    import json
    import sys
    from datetime import datetime

    import httpx

    from fake_modelhunter import FakeModelHunter, ManualClock
    from modelhunter.client import Client
    from modelhunter.requests import KlingV3Request
    from playground.budget import Budget, BudgetExceededError
    from playground.jobs import Jobs
    from playground.settings import Settings, scope_for
    from playground.store import Store

    now, attempts, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    key = "river_live_" + "p" * 32
    settings = Settings.load()
    clock = ManualClock(datetime.fromisoformat(now))
    fake = FakeModelHunter(clock=clock, synthesize_videos=False)

    def handle(request: httpx.Request) -> httpx.Response:
        if mode == "hang" and request.method == "POST":
            print("posting", flush=True)
            sys.stdin.readline()  # never answered: the test kills this process here
        return fake.handle(request)

    client = Client(
        key, base_url=fake.base_url, transport=httpx.MockTransport(handle), sleep=lambda s: None
    )
    url = settings.database_url
    store = Store(
        settings.data_dir, scope_for(key), database_url=url.get_secret_value() if url else None
    )
    jobs = Jobs(client, store, now=clock.now)
    request = KlingV3Request.model_validate(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "duration": 5}}
    )
    print("ready", flush=True)
    sys.stdin.readline()
    refused = 0
    for n in range(attempts):
        try:
            jobs.submit(request, budget=Budget.from_settings(settings))
        except BudgetExceededError:
            refused += 1
    print(json.dumps({"sent": fake.task_count(), "refused": refused}), flush=True)
    """
)


def _start(
    data_dir: Path, stores: StoreOpener, now: str, attempts: int, mode: str = "submit"
) -> subprocess.Popen:
    env = {
        **os.environ,
        "MODELHUNTER_DATA_DIR": str(data_dir),
        "MODELHUNTER_BUDGET_USD": "1.00",
        "MODELHUNTER_BUDGET_TZ": "UTC",
    }
    env.pop("MODELHUNTER_KEY", None)
    env.pop("MODELHUNTER_DATABASE_URL", None)
    if stores.database_url:
        env["MODELHUNTER_DATABASE_URL"] = stores.database_url
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER, now, str(attempts), mode],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    line = worker.stdout.readline()
    assert line == "ready\n", line + worker.communicate(timeout=60)[1]
    return worker


def _go(worker: subprocess.Popen) -> None:
    assert worker.stdin is not None
    worker.stdin.write("go\n")
    worker.stdin.flush()


def _result(worker: subprocess.Popen) -> dict[str, int]:
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def _today(data_dir: Path, stores: StoreOpener, now: str) -> Decimal:
    store = stores(data_dir, scope_for(KEY))
    return store.ledger.standing(BUDGET, datetime.fromisoformat(now)).today


def test_two_processes_submitting_at_once_commit_at_most_the_budget(tmp_path, open_store) -> None:
    first, second = (_start(tmp_path, open_store, MORNING, attempts=3) for _ in range(2))
    for worker in (first, second):  # both are ready: release them together
        _go(worker)
    results = [_result(first), _result(second)]
    assert sum(r["sent"] for r in results) == 2, results
    assert sum(r["refused"] for r in results) == 4, results
    assert _today(tmp_path, open_store, MORNING) == Decimal("0.84")
    sqlite_file = tmp_path / scope_for(KEY) / "runs.sqlite3"
    assert sqlite_file.exists() == (open_store.backend == "sqlite"), "the workers' database"


def test_a_restarted_process_still_sees_the_days_spend(tmp_path, open_store) -> None:
    before = _start(tmp_path, open_store, MORNING, attempts=3)
    _go(before)
    assert _result(before) == {"sent": 2, "refused": 1}
    after = _start(tmp_path, open_store, "2026-01-15T18:00:00+00:00", attempts=2)  # a new process
    _go(after)
    assert _result(after) == {"sent": 0, "refused": 2}
    tomorrow = _start(tmp_path, open_store, "2026-01-16T08:00:00+00:00", attempts=3)
    _go(tomorrow)
    assert _result(tomorrow) == {"sent": 2, "refused": 1}


def test_a_run_killed_mid_submit_keeps_its_price_counted(tmp_path, open_store) -> None:
    crashing = _start(tmp_path, open_store, MORNING, attempts=1, mode="hang")
    _go(crashing)
    assert crashing.stdout is not None
    assert crashing.stdout.readline() == "posting\n"  # the POST is on its way
    crashing.send_signal(signal.SIGKILL)
    crashing.communicate(timeout=60)
    assert _today(tmp_path, open_store, MORNING) == Decimal("0.42"), (
        "outcome unknown: still counted"
    )
    restarted = _start(tmp_path, open_store, "2026-01-15T09:05:00+00:00", attempts=3)
    _go(restarted)
    assert _result(restarted) == {"sent": 1, "refused": 2}
