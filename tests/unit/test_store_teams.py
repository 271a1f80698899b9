"""Teams in one store (issue 16), on SQLite and on PostgreSQL: each person's and the team's
budget, each person's own gallery, presets, prompts, batches and drafts inside the shared
workspace, workspaces that never see each other, and the polling lease."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from modelhunter.requests import parse_request
from modelhunter.responses import Task, TaskStatus
from playground.batch_book import Batch, BatchItem
from playground.budget import Budget, BudgetExceededError
from playground.draft import Draft, load_draft, save_draft
from playground.ledger import TEAM, Limits
from playground.people import Person, draft_owner
from playground.runs import Run
from playground.store import Store

if TYPE_CHECKING:
    from tests.conftest import StoreOpener

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
PRICE = Decimal("0.42")
SCOPE = "key-team"
ANA, BEN = Person(email="Ana@example.com"), Person(email="ben@example.com")


def _run(
    run_id: str | None = None, *, at: datetime = NOW, price: Decimal = PRICE, **fields: object
) -> Run:
    request = parse_request(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": "sea"}}
    )
    return Run(
        run_id=run_id or f"run_{secrets.token_hex(6)}",
        created_at=at,
        request=request,
        price=price,
        **fields,
    )


def _task(task_id: str, status: TaskStatus = TaskStatus.RUNNING) -> Task:
    return Task(id=task_id, status=status, model="kling-v3", created_at=NOW)


def _team(open_store: StoreOpener, root: Path, scope: str = SCOPE) -> tuple[Store, Store]:
    """Ana's and Ben's stores in one team workspace."""
    return open_store(root, scope, owner=ANA.owner), open_store(root, scope, owner=BEN.owner)


def _fill(store: Store, budget: Budget) -> tuple[int, BudgetExceededError]:
    """Reserve runs until the budget refuses: how many fit, and the refusal."""
    for n in range(50):
        try:
            store.reserve(_run(), budget)
        except BudgetExceededError as refused:
            return n, refused
    raise AssertionError("the budget never refused")


# --- budgets: the person's and the team's ----------------------------------------------------


def test_a_persons_daily_budget_stops_that_person_and_nobody_else(tmp_path, open_store) -> None:
    ana, ben = _team(open_store, tmp_path)
    budget = Budget(daily=Decimal("1.00"))  # each person's default; no team cap
    sent, refused = _fill(ana, budget)
    assert sent == 2
    assert "over your daily budget ($1.00)" in str(refused) and "team" not in str(refused)
    assert "Ask an admin to raise your budget" in str(refused)
    assert refused.standing.managed, "signed in: limits an admin manages"
    assert refused.standing.today == Decimal("0.84")

    assert _fill(ben, budget)[0] == 2, "Ben's budget is his own"
    mine = ana.ledger.standing(budget, NOW)
    assert (mine.today, mine.daily_limit) == (Decimal("0.84"), Decimal("1.00"))
    assert mine.team is not None and mine.team.today == Decimal("1.68")
    assert mine.team.daily_limit is None, "no team cap configured"
    assert {e.owner for e in ana.ledger.entries(everyone=True)} == {ANA.owner, BEN.owner}
    assert {e.owner for e in ana.ledger.entries()} == {ANA.owner}


def test_the_teams_daily_budget_stops_everyone(tmp_path, open_store) -> None:
    ana, ben = _team(open_store, tmp_path)
    budget = Budget(daily=Decimal("5.00"), team_daily=Decimal("1.00"))
    assert _fill(ana, budget)[0] == 2
    sent, refused = _fill(ben, budget)
    assert sent == 0, "Ben spent nothing, but the team's day is full"
    message = str(refused)
    assert "the team's spend today ($0.84) over the team's daily budget ($1.00)" in message
    assert "your daily budget" not in message
    assert refused.standing.today == 0 and refused.standing.team.today == Decimal("0.84")
    with pytest.raises(BudgetExceededError, match="the team's daily budget"):
        ana.reserve(_run(), budget)
    with pytest.raises(BudgetExceededError, match=r"^This batch .* the team's daily budget"):
        ben.ledger.reserve_many([_run(price=Decimal("0.10")) for _ in range(2)], budget)
    assert ben.ledger.entries() == [], "a refused batch reserves nothing"


def test_monthly_budgets_of_the_person_and_of_the_team(tmp_path, open_store) -> None:
    ana, ben = _team(open_store, tmp_path)
    budget = Budget(daily=Decimal(5), monthly=Decimal("0.50"), team_monthly=Decimal("1.00"))
    ana.reserve(_run(at=NOW - timedelta(days=3)), budget)
    with pytest.raises(BudgetExceededError, match=r"over your monthly budget \(\$0\.50\)"):
        ana.reserve(_run(), budget)
    ben.reserve(_run(at=NOW - timedelta(days=1)), budget)
    ana.ledger.set_limits(BEN.owner, Limits(daily=None, monthly=Decimal(9)))
    with pytest.raises(BudgetExceededError, match="the team's monthly budget"):
        ben.reserve(_run(), budget)  # his month has room now; the team's has not
    next_month = _run(at=datetime(2026, 2, 1, 0, 1, tzinfo=UTC))
    ben.reserve(next_month, budget)


def test_limits_an_admin_set_replace_the_configured_ones(tmp_path, open_store) -> None:
    ana, ben = _team(open_store, tmp_path)
    budget = Budget(daily=Decimal("1.00"), team_daily=Decimal("1.00"))
    admin = open_store(tmp_path, SCOPE, owner="boss@example.com")
    assert admin.ledger.limits(BEN.owner) == Limits(None, None)

    admin.ledger.set_limits(BEN.owner, Limits(daily=Decimal("0.50"), monthly=None))
    admin.ledger.set_limits(TEAM, Limits(daily=Decimal("3.00"), monthly=None))
    assert ben.ledger.limits(BEN.owner) == Limits(Decimal("0.50"), None)
    assert ben.ledger.daily_limit(budget, NOW) == Decimal("0.50")
    sent, refused = _fill(ben, budget)
    assert sent == 1 and "over your daily budget ($0.50)" in str(refused)
    assert refused.standing.team.daily_limit == Decimal("3.00")

    admin.ledger.set_limits(ANA.owner, Limits(daily=Decimal("10.00"), monthly=None))
    sent, refused = _fill(ana, budget)  # the team's $3.00 stops her, not her own $10
    assert sent == 6 and "the team's daily budget ($3.00)" in str(refused)
    assert ana.ledger.standing(budget, NOW).team.today == Decimal("2.94")

    admin.ledger.set_limits(BEN.owner, Limits(None, None))  # back to the configured $1.00
    assert ben.ledger.daily_limit(budget, NOW) == Decimal("1.00")
    admin.ledger.set_limits(TEAM, Limits(None, None))  # back to the configured team's $1.00
    with pytest.raises(BudgetExceededError, match=r"the team's daily budget \(\$1\.00\)"):
        ben.reserve(_run(), budget)


def test_without_sign_in_there_is_no_team_and_the_sidebar_sets_today(tmp_path, open_store):
    store = open_store(tmp_path, SCOPE)  # owner "": one person, as before teams
    budget = Budget(daily=Decimal("1.00"), team_daily=Decimal("0.10"))
    store.ledger.set_daily_budget(budget, NOW, Decimal("0.50"))
    sent, refused = _fill(store, budget)
    assert sent == 1 and refused.standing.team is None and not refused.standing.managed
    assert "over the daily budget ($0.50)" in str(refused)
    assert "Raise today's budget in the sidebar" in str(refused)


# --- workspaces: each person's rows, each workspace's rows ------------------------------------


def _fill_workspace(store: Store, root: Path, browser: str, person: Person | None) -> str:
    """One of everything a person keeps: a run (with a task), a deleted run, a preset, a
    prompt, a batch, a draft. Returns the run's id."""
    run = _run(task=_task(f"task_{secrets.token_hex(4)}"), phase="tracking")
    store.reserve(run, Budget(daily=Decimal(5)))
    store.save(_run(deleted_at=NOW, phase="rejected"))  # kept for Undo; nothing spent
    store.prompts.save_preset("Waves", '{"values": {}}')
    store.prompts.remember("prompt", f"prompt of {store.owner or 'nobody'}")
    store.batches.save(
        Batch(
            batch_id=f"batch_{secrets.token_hex(4)}",
            created_at=NOW,
            varied=["Prompt"],
            items=[BatchItem(index=0, settings={}, run_id=run.run_id, price=PRICE)],
            total=PRICE,
        )
    )
    draft = Draft(model="kling-v3", values={"input.prompt": f"draft of {store.owner}"})
    save_draft(store, draft_owner(browser, person), draft, {})
    return run.run_id


def test_a_persons_rows_are_theirs_and_a_shared_link_still_opens(tmp_path, open_store) -> None:
    ana, ben = _team(open_store, tmp_path)
    browser = "b" * 32  # one computer both sign in on
    run_id = _fill_workspace(ana, tmp_path, browser, ANA)

    assert [r.run_id for r in ana.runs()] and ben.runs() == []
    assert len(ana.deleted_runs()) == 1 and ben.deleted_runs() == []
    assert ana.prompts.presets() == ["Waves"] and ben.prompts.presets() == []
    assert ben.prompts.preset("Waves") is None
    assert ana.prompts.recent("prompt") == ["prompt of ana@example.com"]
    assert ben.prompts.recent("prompt") == []
    assert len(ana.batches.all()) == 1 and ben.batches.all() == []
    assert load_draft(ana, draft_owner(browser, ANA)) is not None
    assert load_draft(ben, draft_owner(browser, BEN)) is None
    assert ana.task_ids() and ben.task_ids() == set()
    assert ben.task_ids(everyone=True) == ana.task_ids()
    assert ben.ledger.entries() == []
    assert sorted(ben.ledger.entries(everyone=True)) == sorted(ana.ledger.entries())
    assert len(ana.ledger.entries()) == 2

    shared = ben.get(run_id)  # Ana's link, opened by Ben
    assert shared is not None and shared.run_id == run_id
    assert ben.owner_of(run_id) == ANA.owner and ben.owner_of("run_none") is None
    assert [r.run_id for r in ben.active_runs()] == [run_id], "the poller polls everyone's"
    assert ben.run_for_task(shared.task.id) is not None

    ben.prompts.save_preset("Waves", '{"values": {"b": 1}}')  # the same name is his own
    assert ana.prompts.preset("Waves") == '{"values": {}}'
    ben.save(shared.model_copy(update={"starred": True}))  # a teammate's save keeps the owner
    assert ana.owner_of(run_id) == ANA.owner and ana.get(run_id).starred


def test_two_workspaces_never_see_each_other(tmp_path, open_store) -> None:
    """With PostgreSQL both live in one database (every row names its scope)."""
    here, there = open_store(tmp_path, "key-here"), open_store(tmp_path, "key-there")
    run_id = _fill_workspace(here, tmp_path, "c" * 32, None)
    for store in (here, there):
        store.ledger.set_daily_budget(Budget(daily=Decimal(5)), NOW, Decimal("2.00"))
    there.ledger.set_daily_budget(Budget(daily=Decimal(5)), NOW, Decimal("3.00"))

    assert there.runs() == [] and there.deleted_runs() == [] and there.active_runs() == []
    assert there.get(run_id) is None and there.owner_of(run_id) is None
    assert there.run_for_task(here.get(run_id).task.id) is None
    assert there.task_ids(everyone=True) == set()
    assert there.prompts.presets() == [] and there.prompts.recent("prompt") == []
    assert there.batches.all() == [] and load_draft(there, "c" * 32) is None
    assert there.ledger.entries(everyone=True) == []
    standing = there.ledger.standing(Budget(daily=Decimal(5)), NOW)
    assert (standing.today, standing.daily_limit) == (0, Decimal("3.00"))
    assert here.ledger.standing(Budget(daily=Decimal(5)), NOW).daily_limit == Decimal("2.00")
    assert here.ledger.standing(Budget(daily=Decimal(5)), NOW).today == PRICE
    there.remove(here.get(run_id))  # a run id of another workspace: nothing of it goes
    assert here.get(run_id) is not None
    assert there.claim_polling("p1", NOW, 30) and here.claim_polling("p2", NOW, 30)


def test_the_same_run_id_in_two_workspaces_stays_two_runs(tmp_path, open_store) -> None:
    """A run id is found again in another workspace when it recovers a task whose client
    reference names a run of the first (History's Recover: `run_id = task.client_ref`)."""
    here, there = open_store(tmp_path, "key-here"), open_store(tmp_path, "key-there")
    here.reserve(_run("run_same", phase="tracking"), Budget(daily=Decimal(5)))
    recovered = Run(run_id="run_same", created_at=NOW, price=Decimal(0), phase="tracking")
    there.save(recovered.model_copy(update={"note": "recovered over there"}))
    mine, theirs = here.get("run_same"), there.get("run_same")
    assert theirs is not None and theirs.note == "recovered over there"
    assert mine is not None and mine.note == "", "the first workspace's run is untouched"
    assert [e.amount for e in here.ledger.entries()] == [PRICE]
    assert there.ledger.entries() == []


# --- the polling lease -----------------------------------------------------------------------


def test_one_process_polls_a_workspace_until_its_lease_runs_out(tmp_path, open_store) -> None:
    first, second = (open_store(tmp_path, SCOPE, owner=o) for o in (ANA.owner, BEN.owner))
    hold = 30.0
    assert first.claim_polling("replica-1", NOW, hold)
    assert not second.claim_polling("replica-2", NOW + timedelta(seconds=1), hold)
    assert first.claim_polling("replica-1", NOW + timedelta(seconds=20), hold), "renewed"
    at_old_end = NOW + timedelta(seconds=hold + 1)  # the first lease would have ended here
    assert not second.claim_polling("replica-2", at_old_end, hold), "the renewal holds"
    after = NOW + timedelta(seconds=20 + hold + 1)
    assert second.claim_polling("replica-2", after, hold), "taken over after it ran out"
    assert not first.claim_polling("replica-1", after + timedelta(seconds=1), hold)
    other = open_store(tmp_path, "key-other")
    assert other.claim_polling("replica-1", after, hold), "each workspace has its own lease"


def test_of_many_claiming_at_once_one_holds_the_lease(tmp_path, open_store) -> None:
    stores = [open_store(tmp_path, SCOPE) for _ in range(2)]  # two sessions of the process
    start = threading.Barrier(8)
    won: list[str] = []
    errors: list[BaseException] = []

    def claim(n: int) -> None:
        start.wait()
        try:
            if stores[n % 2].claim_polling(f"replica-{n}", NOW, 30):
                won.append(f"replica-{n}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(won) == 1, won
    assert stores[0].claim_polling(won[0], NOW + timedelta(seconds=5), 30)
