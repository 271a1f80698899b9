"""The ledger's windows: calendar days and months in the configured timezone, on the fake clock."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import httpx
import pytest

from fake_modelhunter import FakeModelHunter, ManualClock
from modelhunter.client import Client
from modelhunter.requests import KlingV3Request
from playground.budget import Budget, BudgetExceededError
from playground.jobs import Jobs
from playground.runs import Run
from playground.store import Store

if TYPE_CHECKING:
    from tests.conftest import StoreOpener

KEY = "river_live_" + "l" * 32
PRICE = Decimal("0.42")  # kling-v3, 5 s, std, no sound
ONE_DOLLAR = Budget(daily=Decimal("1.00"))


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
    return Jobs(client, open_store(root, "key-ledger"), now=clock.now)


def _fill(jobs: Jobs, budget: Budget, label: str) -> int:
    """Submit until the budget refuses; how many runs went out."""
    for sent in range(10):
        try:
            jobs.submit(_request(f"{label} {sent}"), budget=budget)
        except BudgetExceededError:
            return sent
    raise AssertionError("the budget never refused")


def test_spend_from_yesterday_does_not_count_today(
    fake_modelhunter, manual_clock, tmp_path, open_store
) -> None:
    clock = manual_clock
    clock.set(datetime(2026, 1, 15, 23, 50, tzinfo=UTC))
    jobs = _jobs(fake_modelhunter, clock, tmp_path, open_store)
    assert _fill(jobs, ONE_DOLLAR, "late") == 2
    clock.advance(20 * 60)  # 00:10 the next day
    standing = jobs.store.ledger.standing(ONE_DOLLAR, clock.now())
    assert (standing.today, standing.month) == (Decimal(0), Decimal("0.84"))
    assert _fill(jobs, ONE_DOLLAR, "early") == 2
    assert jobs.store.ledger.standing(ONE_DOLLAR, clock.now()).month == Decimal("1.68")


def test_days_follow_the_configured_timezone(
    fake_modelhunter, manual_clock, tmp_path, open_store
) -> None:
    berlin = Budget(daily=Decimal("1.00"), tz=ZoneInfo("Europe/Berlin"))
    clock = manual_clock
    clock.set(datetime(2026, 1, 15, 22, 50, tzinfo=UTC))  # 23:50 in Berlin
    jobs = _jobs(fake_modelhunter, clock, tmp_path, open_store)
    assert _fill(jobs, berlin, "Thursday") == 2
    clock.advance(40 * 60)  # 23:30 UTC: still the 15th in UTC, already the 16th in Berlin
    assert jobs.store.ledger.standing(berlin, clock.now()).today == 0
    assert jobs.store.ledger.standing(ONE_DOLLAR, clock.now()).today == Decimal("0.84")
    assert _fill(jobs, berlin, "Friday") == 2


def test_the_monthly_cap_holds_across_days(
    fake_modelhunter, manual_clock, tmp_path, open_store
) -> None:
    budget = Budget(daily=Decimal("5.00"), monthly=Decimal("1.00"))
    clock = manual_clock
    clock.set(datetime(2026, 1, 30, 12, tzinfo=UTC))
    jobs = _jobs(fake_modelhunter, clock, tmp_path, open_store)
    jobs.submit(_request("30th"), budget=budget)
    clock.advance(24 * 3600)
    jobs.submit(_request("31st"), budget=budget)
    with pytest.raises(BudgetExceededError) as refused:
        jobs.submit(_request("one more in January"), budget=budget)
    assert "monthly budget ($1.00)" in str(refused.value)
    clock.advance(24 * 3600)  # 1 February
    assert jobs.submit(_request("February"), budget=budget).phase == "tracking"


def test_an_unknown_submit_keeps_its_price_counted(
    fake_modelhunter, manual_clock, tmp_path, open_store
):
    jobs = _jobs(fake_modelhunter, manual_clock, tmp_path, open_store)
    fake_modelhunter.faults.timeout_next(after_accept=False, match=("POST", "/kling"))
    run = jobs.submit(_request("no reply"), budget=ONE_DOLLAR)
    assert run.phase == "unknown"
    assert jobs.store.ledger.standing(ONE_DOLLAR, manual_clock.now()).today == PRICE
    fake_modelhunter.faults.fail_next(400, match=("POST", "/kling"))
    assert jobs.submit(_request("refused"), budget=ONE_DOLLAR).phase == "rejected"
    assert jobs.store.ledger.standing(ONE_DOLLAR, manual_clock.now()).today == PRICE


def test_todays_budget_is_shared_and_ends_with_the_day(
    fake_modelhunter, manual_clock, tmp_path, open_store
) -> None:
    jobs = _jobs(fake_modelhunter, manual_clock, tmp_path, open_store)
    jobs.store.ledger.set_daily_budget(ONE_DOLLAR, manual_clock.now(), Decimal("0.50"))
    other_session = _jobs(fake_modelhunter, manual_clock, tmp_path, open_store)
    assert other_session.store.ledger.standing(ONE_DOLLAR, manual_clock.now()).daily_limit == (
        Decimal("0.50")
    )
    assert _fill(other_session, ONE_DOLLAR, "lowered") == 1
    manual_clock.advance(24 * 3600)
    assert jobs.store.ledger.standing(ONE_DOLLAR, manual_clock.now()).daily_limit == Decimal(1)


def test_a_store_from_before_the_ledger_keeps_its_spend(tmp_path) -> None:
    # SQLite only: files of older versions (PostgreSQL databases start at revision 0002)
    today = datetime(2026, 1, 15, 9, tzinfo=UTC)
    folder = tmp_path / "key-old"
    folder.mkdir()
    ours = Run(run_id="run_ours", created_at=today, request=_request(), price=PRICE)
    recovered = Run(run_id="recovered_t", created_at=today, price=Decimal("9"), phase="tracking")
    with sqlite3.connect(folder / "runs.sqlite3") as db:
        db.execute(
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
            "task_id TEXT, body TEXT NOT NULL, committed TEXT)"
        )
        for run in (ours, recovered):
            db.execute(
                "INSERT INTO runs VALUES (?,?,?,?,?)",
                (run.run_id, run.created_at.isoformat(), None, run.model_dump_json(), "0.42"),
            )
    db.close()
    store = Store(tmp_path, "key-old")
    assert store.ledger.standing(ONE_DOLLAR, today + timedelta(hours=1)).today == PRICE
    assert [r.run_id for r in Store(tmp_path, "key-old").runs()] == ["recovered_t", "run_ours"]
