"""The budget can never be exceeded: sequential and concurrent submits, refusals, reported costs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from fake_modelhunter import FakeModelHunter, ManualClock
from modelhunter.client import Client
from modelhunter.requests import KlingV3Request
from modelhunter.responses import Task, TaskStatus
from playground.budget import (
    Budget,
    BudgetExceededError,
    Standing,
    committed,
    needs_confirmation,
)
from playground.jobs import Jobs
from playground.runs import Run
from playground.settings import Settings

if TYPE_CHECKING:
    from tests.conftest import StoreOpener

KEY = "river_live_" + "b" * 32
LIMIT = Decimal("2.00")
PRICE = Decimal("0.42")  # kling-v3, 5 s, std, no sound


def _request(prompt: str = "a slow push in") -> KlingV3Request:
    return KlingV3Request.model_validate(
        {
            "model": "kling-v3",
            "input": {"image": "https://example.com/cat.png", "prompt": prompt, "duration": 5},
        }
    )


def _jobs(fake: FakeModelHunter, clock: ManualClock, root: Path, open_store: StoreOpener) -> Jobs:
    client = Client(
        KEY,
        base_url=fake.base_url,
        transport=httpx.MockTransport(fake.handle),
        sleep=lambda s: None,
    )
    return Jobs(client, open_store(root, "key-budget"), now=clock.now)


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


def _today(jobs: Jobs, budget: Budget) -> Decimal:
    return jobs.store.ledger.standing(budget, jobs.now()).today


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


def test_the_refusal_names_the_window_and_the_figures() -> None:
    day = Standing(today=Decimal("1.80"), month=Decimal("1.80"), daily_limit=LIMIT)
    message = day.refusal(PRICE)
    assert message is not None
    assert "$0.42" in message and "today's spend ($1.80)" in message
    assert "daily budget ($2.00)" in message and "Raise today's budget" in message
    assert (
        Standing(today=Decimal("1.58"), month=Decimal(0), daily_limit=LIMIT).refusal(PRICE) is None
    )
    month = Standing(
        today=Decimal(0), month=Decimal("9.80"), daily_limit=LIMIT, monthly_limit=Decimal(10)
    )
    message = month.refusal(PRICE)
    assert message is not None and "this month's spend ($9.80)" in message
    assert "monthly budget ($10.00)" in message


def test_confirmation_applies_to_live_keys_above_the_threshold() -> None:
    assert needs_confirmation("live", Decimal("1.01"), Decimal(1))
    assert not needs_confirmation("live", Decimal("1.00"), Decimal(1))
    assert not needs_confirmation("sandbox", Decimal(9), Decimal(1))


def test_the_budget_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELHUNTER_BUDGET_USD", "1.50")
    monkeypatch.setenv("MODELHUNTER_BUDGET_MONTHLY_USD", "20")
    monkeypatch.setenv("MODELHUNTER_BUDGET_TZ", "Europe/Berlin")
    budget = Budget.from_settings(Settings.load())
    assert (budget.daily, budget.monthly, str(budget.tz)) == (
        Decimal("1.50"),
        Decimal(20),
        "Europe/Berlin",
    )
    monkeypatch.setenv("MODELHUNTER_BUDGET_TZ", "Mars/Olympus")
    with pytest.raises(ValueError, match="unknown timezone"):
        Settings.load()


def test_sequential_submits_stop_at_the_budget(
    fake_modelhunter, manual_clock, tmp_path, open_store
) -> None:
    jobs = _jobs(fake_modelhunter, manual_clock, tmp_path, open_store)
    budget = Budget(daily=LIMIT)
    accepted = [jobs.submit(_request(f"shot {n}"), budget=budget) for n in range(4)]
    assert all(run.phase == "tracking" for run in accepted)
    with pytest.raises(BudgetExceededError) as refused:
        jobs.submit(_request("one too many"), budget=budget)
    err = refused.value
    assert (err.price, err.standing.today, err.standing.daily_limit) == (
        PRICE,
        Decimal("1.68"),
        LIMIT,
    )
    assert "Nothing was sent" in str(err) and "Raise today's budget" in str(err)
    assert fake_modelhunter.task_count() == 4
    assert len(jobs.store.runs()) == 4, "a refused run is not saved"
    assert _today(jobs, budget) == Decimal("1.68")


def test_refused_runs_release_their_reservation(
    fake_modelhunter, manual_clock, tmp_path, open_store
) -> None:
    jobs = _jobs(fake_modelhunter, manual_clock, tmp_path, open_store)
    budget = Budget(daily=Decimal("0.84"))
    fake_modelhunter.faults.fail_next(400, match=("POST", "/kling"))
    rejected = jobs.submit(_request("refused"), budget=budget)
    assert rejected.phase == "rejected"
    assert [jobs.submit(_request(f"now {n}"), budget=budget).phase for n in range(2)] == [
        "tracking",
        "tracking",
    ]
    with pytest.raises(BudgetExceededError):
        jobs.submit(_request("over"), budget=budget)


def test_reported_cost_replaces_the_price(
    fake_modelhunter, manual_clock, tmp_path, open_store
) -> None:
    jobs = _jobs(fake_modelhunter, manual_clock, tmp_path, open_store)
    budget = Budget(daily=LIMIT)
    fake_modelhunter.fail_next_task()
    failed = jobs.submit(_request("will fail"), budget=budget)
    for _ in range(3):
        jobs.submit(_request("fills the budget"), budget=budget)
    with pytest.raises(BudgetExceededError):
        jobs.submit(_request("no room yet"), budget=budget)
    manual_clock.advance(30)
    jobs.refresh([failed])
    assert failed.status == "failed"
    assert _today(jobs, budget) == Decimal("1.26")
    assert jobs.submit(_request("room again"), budget=budget).phase == "tracking"


def test_concurrent_submits_never_exceed_the_budget(
    fake_modelhunter, manual_clock, tmp_path, open_store
) -> None:
    budget = Budget(daily=LIMIT)
    start = threading.Barrier(8)
    accepted: list[Run] = []
    refused: list[BudgetExceededError] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def click(n: int) -> None:
        jobs = _jobs(fake_modelhunter, manual_clock, tmp_path, open_store)  # one session each
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
    store = open_store(tmp_path, "key-budget")
    assert store.ledger.standing(budget, manual_clock.now()).today == Decimal("1.68") <= LIMIT
    assert fake_modelhunter.task_count() == 4
    assert {r.task.id for r in accepted if r.task} == store.task_ids()
