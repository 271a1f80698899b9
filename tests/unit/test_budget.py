"""The budget can never be exceeded: sequential and concurrent submits, threads and processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from fake_modelhunter import FakeModelHunter, ManualClock
from modelhunter.client import Client
from modelhunter.requests import KlingV3Request
from modelhunter.responses import Task, TaskStatus
from playground.budget import (
    Budget,
    BudgetExceededError,
    budget_block,
    committed,
    needs_confirmation,
)
from playground.jobs import Jobs
from playground.runs import Run
from playground.store import Store

KEY = "river_live_" + "b" * 32
LIMIT = Decimal("2.00")
PRICE = Decimal("0.42")  # kling-v3, 5 s, std, no sound
ROOT = Path(__file__).resolve().parents[2]


def _request(prompt: str = "a slow push in") -> KlingV3Request:
    return KlingV3Request.model_validate(
        {
            "model": "kling-v3",
            "input": {"image": "https://example.com/cat.png", "prompt": prompt, "duration": 5},
        }
    )


def _jobs(fake: FakeModelHunter, clock: ManualClock, root: Path) -> Jobs:
    client = Client(
        KEY,
        base_url=fake.base_url,
        transport=httpx.MockTransport(fake.handle),
        sleep=lambda s: None,
    )
    return Jobs(client, Store(root, "key-budget"), now=clock.now)


def _run(price: str = "0.42", phase: str = "tracking", task: Task | None = None) -> Run:
    return Run(
        run_id="run_x",
        created_at=datetime(2026, 1, 15, 10, tzinfo=UTC),
        request=_request(),
        price=Decimal(price),
        phase=phase,  # type: ignore[arg-type]
        task=task,
    )


def _task(status: TaskStatus, cost: str | None = None) -> Task:
    return Task(
        id="task_1",
        type="video",
        status=status,
        provider="kling",
        model="kling-v3",
        created_at=datetime(2026, 1, 15, 10, tzinfo=UTC),
        cost=Decimal(cost) if cost is not None else None,
    )


def test_price_counts_until_the_api_reports_a_cost() -> None:
    assert committed(_run(phase="submitting")) == PRICE
    assert committed(_run(phase="unknown")) == PRICE
    assert committed(_run(task=_task(TaskStatus.RUNNING))) == PRICE
    assert committed(_run(task=_task(TaskStatus.SUCCEEDED, cost="0.40"))) == Decimal("0.40")


def test_refused_unsent_failed_and_cancelled_runs_count_what_was_charged() -> None:
    assert committed(_run(phase="rejected")) == 0
    assert committed(_run(phase="not_sent")) == 0
    assert committed(_run(task=_task(TaskStatus.FAILED))) == 0
    assert committed(_run(task=_task(TaskStatus.CANCELLED))) == 0
    assert committed(_run(task=_task(TaskStatus.CANCELLED, cost="0.10"))) == Decimal("0.10")


def test_budget_block_and_confirmation_apply_to_live_keys_only() -> None:
    assert budget_block("demo", Decimal(10), PRICE, LIMIT) is None
    message = budget_block("live", Decimal("1.80"), PRICE, LIMIT)
    assert message is not None
    assert "$0.42" in message and "$1.80" in message and "$2.00" in message
    assert "Raise the budget" in message
    assert budget_block("live", Decimal("1.58"), PRICE, LIMIT) is None  # exactly the limit
    assert needs_confirmation("live", Decimal("1.01"), Decimal(1))
    assert not needs_confirmation("sandbox", Decimal(9), Decimal(1))


def test_sequential_submits_stop_at_the_budget(fake_modelhunter, manual_clock, tmp_path) -> None:
    jobs = _jobs(fake_modelhunter, manual_clock, tmp_path)
    budget = Budget(limit=LIMIT, since=manual_clock.now())
    accepted = [jobs.submit(_request(f"shot {n}"), budget=budget) for n in range(4)]
    assert all(run.phase == "tracking" for run in accepted)
    with pytest.raises(BudgetExceededError) as refused:
        jobs.submit(_request("one too many"), budget=budget)
    err = refused.value
    assert (err.price, err.spent, err.limit) == (PRICE, Decimal("1.68"), LIMIT)
    assert "Nothing was sent" in str(err) and "Raise the budget" in str(err)
    assert fake_modelhunter.task_count() == 4
    assert len(jobs.store.runs()) == 4, "a refused run is not saved"
    assert jobs.store.committed_since(budget.since) == Decimal("1.68")


def test_runs_before_the_budget_start_and_refused_runs_do_not_count(
    fake_modelhunter, manual_clock, tmp_path
) -> None:
    jobs = _jobs(fake_modelhunter, manual_clock, tmp_path)
    for n in range(3):
        jobs.submit(_request(f"earlier {n}"))
    manual_clock.advance(60)
    budget = Budget(limit=Decimal("0.84"), since=manual_clock.now())
    fake_modelhunter.faults.fail_next(400, match=("POST", "/kling"))
    rejected = jobs.submit(_request("refused"), budget=budget)
    assert rejected.phase == "rejected"
    assert [jobs.submit(_request(f"now {n}"), budget=budget).phase for n in range(2)] == [
        "tracking",
        "tracking",
    ]
    with pytest.raises(BudgetExceededError):
        jobs.submit(_request("over"), budget=budget)


def test_reported_cost_replaces_the_price(fake_modelhunter, manual_clock, tmp_path) -> None:
    jobs = _jobs(fake_modelhunter, manual_clock, tmp_path)
    budget = Budget(limit=LIMIT, since=manual_clock.now())
    fake_modelhunter.fail_next_task()
    failed = jobs.submit(_request("will fail"), budget=budget)
    for _ in range(3):
        jobs.submit(_request("fills the budget"), budget=budget)
    with pytest.raises(BudgetExceededError):
        jobs.submit(_request("no room yet"), budget=budget)
    manual_clock.advance(30)
    jobs.refresh([failed])
    assert failed.status == "failed"
    assert jobs.store.committed_since(budget.since) == Decimal("1.26")
    assert jobs.submit(_request("room again"), budget=budget).phase == "tracking"


def test_concurrent_submits_never_exceed_the_budget(
    fake_modelhunter, manual_clock, tmp_path
) -> None:
    budget = Budget(limit=LIMIT, since=manual_clock.now() - timedelta(seconds=1))
    start = threading.Barrier(8)
    accepted: list[Run] = []
    refused: list[BudgetExceededError] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def click(n: int) -> None:
        jobs = _jobs(fake_modelhunter, manual_clock, tmp_path)  # one session each
        start.wait()
        try:
            run = jobs.submit(_request(f"click {n}"), budget=budget)
        except BudgetExceededError as exc:
            with lock:
                refused.append(exc)
        except BaseException as exc:  # reported below; a thread must not swallow it
            with lock:
                errors.append(exc)
        else:
            with lock:
                accepted.append(run)

    threads = [threading.Thread(target=click, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(accepted) == 4 and len(refused) == 4
    store = Store(tmp_path, "key-budget")
    assert store.committed_since(budget.since) == Decimal("1.68") <= LIMIT
    assert fake_modelhunter.task_count() == 4
    assert {r.task.id for r in accepted if r.task} == store.task_ids()


_WORKER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from decimal import Decimal
    from pathlib import Path

    from modelhunter.requests import KlingV3Request
    from playground.budget import Budget, BudgetExceededError
    from playground.jobs import new_run_id
    from playground.runs import Run
    from playground.store import Store

    store = Store(Path(sys.argv[1]), "key-budget")
    request = KlingV3Request.model_validate(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png"}}
    )
    budget = Budget(limit=Decimal("2.00"), since=datetime(2026, 1, 1, tzinfo=UTC))
    accepted = 0
    for _ in range(10):
        run = Run(
            run_id=new_run_id(),
            created_at=datetime.now(UTC),
            request=request,
            price=Decimal("0.42"),
        )
        try:
            store.reserve(run, budget)
        except BudgetExceededError:
            continue
        accepted += 1
    print(accepted)
    """
)


def test_processes_sharing_a_store_never_exceed_the_budget(tmp_path) -> None:
    Store(tmp_path, "key-budget")  # create the database before the race
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(tmp_path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    counts = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        counts.append(int(out.strip()))
    assert sum(counts) == 4
    store = Store(tmp_path, "key-budget")
    assert store.committed_since(datetime(2026, 1, 1, tzinfo=UTC)) == Decimal("1.68")
