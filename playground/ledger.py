"""The money ledger of one key scope, kept in the store's SQLite database.

One entry per run submitted from here, dated when the run was first saved. A Live run's entry
is its reservation: written, after the budget check, before anything is uploaded or sent,
with the quoted price. The entry then follows the run on every save (`settle`): replaced by
the task's `cost` once the API reports it, released to 0 only when the run was refused or
never sent; a run whose submit outcome is unknown keeps its price. The check and the
reservation happen inside one `BEGIN IMMEDIATE` transaction (the store's, under its
process-wide lock), so threads, tabs and processes sharing the folder are serialised and none
can pass the check with the same dollar. Today's budget, when changed in the sidebar, is kept
here too, so every tab and process of the key uses the same amount. (Demo and Sandbox scopes
have entries too; nothing reads them.)

The meter, the Submit block and the refusal all read `Ledger.standing()`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal, NamedTuple

from sqlalchemy import Connection

from playground.budget import (
    Budget,
    BudgetExceededError,
    Standing,
    TeamStanding,
    Windows,
    committed,
)
from playground.database import Place, sql, stamp
from playground.runs import Run

__all__ = [
    "TEAM",
    "Entry",
    "EntryKind",
    "Ledger",
    "Limits",
    "entry_for",
    "reserve",
    "release_unsent",
    "reserve_many",
    "settle",
]

EntryKind = Literal["reserved", "charged", "released"]
TEAM = "*"  # the owner name of the team's limits in `budget_limits`


class Entry(NamedTuple):
    """One ledger entry: whose run, when, the quoted price, the amount counted, its kind."""

    run_id: str
    owner: str
    at: datetime
    price: Decimal
    amount: Decimal
    kind: EntryKind


class Limits(NamedTuple):
    """Budget limits an admin set (None: the configured default)."""

    daily: Decimal | None
    monthly: Decimal | None


def entry_for(run: Run) -> tuple[EntryKind, Decimal]:
    """What a run's ledger entry says now (the amount is `budget.committed`)."""
    amount = committed(run)
    if run.phase in ("rejected", "not_sent"):
        return "released", amount
    if run.task is not None and (run.task.cost is not None or run.task.is_terminal):
        return "charged", amount
    return "reserved", amount


def reserve(db: Connection, place: Place, run: Run, budget: Budget) -> None:
    """Reserve a new run's price if it fits every window (call inside the store's write
    transaction).

    Raises:
        BudgetExceededError: the price does not fit; nothing is written.
    """
    standing = _standing(db, place, budget, budget.windows(run.created_at), excluding=run.run_id)
    if standing.refusal(run.price) is not None:
        raise BudgetExceededError(price=run.price, standing=standing)
    _upsert(db, place, run)


def reserve_many(db: Connection, place: Place, runs: list[Run], budget: Budget) -> None:
    """Reserve the prices of several new runs together, all or nothing (call inside the
    store's write transaction): the check is made on their total, against every window.

    Only ledger entries are written: each run is saved later by its own submit, and its
    entry then follows it (`settle`), keeping the reservation's date.

    Raises:
        BudgetExceededError: the total does not fit; nothing is written.
    """
    if not runs:
        return
    total = sum((run.price for run in runs), Decimal(0))
    ids = {run.run_id for run in runs}
    for chunk in _chunks(sorted(ids)):
        marks = ", ".join(f":r{i}" for i in range(len(chunk)))
        found = sql(
            db,
            f"SELECT count(*) FROM ledger WHERE scope = :scope AND run_id IN ({marks})",
            scope=place.scope,
            **{f"r{i}": run_id for i, run_id in enumerate(chunk)},
        ).scalar()
        if found:
            raise ValueError("These runs are reserved already: a batch is reserved once.")
    standing = _standing(db, place, budget, budget.windows(runs[0].created_at))
    if standing.refusal(total) is not None:
        raise BudgetExceededError(price=total, standing=standing, what="This batch")
    for run in runs:
        _upsert(db, place, run)


def _chunks(items: list[str], size: int = 200) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def release_unsent(db: Connection, place: Place, run_ids: list[str]) -> None:
    """Release reservations of runs that were never saved (a batch stopped before sending
    them): their entries count 0 from now on."""
    for run_id in run_ids:
        sql(
            db,
            "UPDATE ledger SET amount='0', kind='released' WHERE run_id=:id AND scope=:scope "
            "AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.scope = ledger.scope "
            "AND runs.run_id = ledger.run_id)",
            id=run_id,
            scope=place.scope,
        )


def settle(db: Connection, place: Place, run: Run) -> None:
    """Write a run's entry as the run stands now (call on every save of the run).

    Every run submitted from here has an entry, made at its first save and dated then (and
    owned by whoever saved it first); a task recovered from the API list that we never
    submitted gets none.
    """
    if run.request is not None:
        _upsert(db, place, run)
        return
    kind, amount = entry_for(run)
    sql(
        db,
        "UPDATE ledger SET amount=:amount, kind=:kind WHERE run_id=:id AND scope=:scope",
        amount=str(amount),
        kind=kind,
        id=run.run_id,
        scope=place.scope,
    )


def _upsert(db: Connection, place: Place, run: Run) -> None:
    kind, amount = entry_for(run)
    sql(
        db,
        "INSERT INTO ledger(run_id, scope, owner, at, price, amount, kind) VALUES "
        "(:id, :scope, :owner, :at, :price, :amount, :kind) "
        "ON CONFLICT(scope, run_id) DO UPDATE SET amount=excluded.amount, kind=excluded.kind",
        id=run.run_id,
        scope=place.scope,
        owner=place.owner,
        at=stamp(run.created_at),
        price=str(run.price),
        amount=str(amount),
        kind=kind,
    )


def _spend(
    db: Connection, place: Place, windows: Windows, *, person: bool, excluding: str | None
) -> tuple[Decimal, Decimal]:
    # Summed per distinct amount in the database (a month may hold tens of thousands of
    # entries, but few distinct prices), then exactly in Decimal: no float touches money.
    who = "AND owner = :owner " if person else ""
    result = sql(
        db,
        "SELECT amount, CASE WHEN at >= :day THEN 1 ELSE 0 END AS today, count(*) FROM ledger "
        f"WHERE scope = :scope {who}AND at >= :month AND run_id <> :excluding "
        "GROUP BY 1, 2",
        day=stamp(windows.day_start),
        month=stamp(windows.month_start),
        scope=place.scope,
        owner=place.owner,
        excluding=excluding or "",
    )
    today = month = Decimal(0)
    for amount, is_today, n in result:
        month += Decimal(amount) * n
        if is_today:
            today += Decimal(amount) * n
    return today, month


def _standing(
    db: Connection, place: Place, budget: Budget, windows: Windows, excluding: str | None = None
) -> Standing:
    today, month = _spend(db, place, windows, person=True, excluding=excluding)
    if not place.owner:  # no sign-in: one person, today's amount adjustable in the sidebar
        return Standing(
            today=today,
            month=month,
            daily_limit=_daily_limit(db, place, budget, windows),
            monthly_limit=budget.monthly,
        )
    mine, team = _limits(db, place, place.owner), _limits(db, place, TEAM)
    team_today, team_month = _spend(db, place, windows, person=False, excluding=excluding)
    return Standing(
        today=today,
        month=month,
        daily_limit=budget.daily if mine.daily is None else mine.daily,
        monthly_limit=budget.monthly if mine.monthly is None else mine.monthly,
        managed=True,
        team=TeamStanding(
            today=team_today,
            month=team_month,
            daily_limit=budget.team_daily if team.daily is None else team.daily,
            monthly_limit=budget.team_monthly if team.monthly is None else team.monthly,
        ),
    )


def _limits(db: Connection, place: Place, owner: str) -> Limits:
    row = sql(
        db,
        "SELECT daily, monthly FROM budget_limits WHERE scope=:scope AND owner=:owner",
        scope=place.scope,
        owner=owner,
    ).first()
    if row is None:
        return Limits(None, None)
    return Limits(*(None if v is None else Decimal(v) for v in row))


def _daily_limit(db: Connection, place: Place, budget: Budget, windows: Windows) -> Decimal:
    """Today's budget: the amount set for this day (sidebar), else the configured one."""
    override = sql(
        db,
        "SELECT amount FROM daily_budgets WHERE scope=:scope AND owner=:owner AND day=:day",
        scope=place.scope,
        owner=place.owner,
        day=windows.day.isoformat(),
    ).scalar()
    return Decimal(override) if override is not None else budget.daily


class Ledger:
    """Reads and budget changes on one store's ledger (the store passes its place)."""

    def __init__(self, place: Place) -> None:
        self._place = place

    def standing(self, budget: Budget, now: datetime) -> Standing:
        """Spend and limits of the windows holding `now`, across every tab, process and
        replica (the person's, with the team's when signed in)."""
        with self._place.connect() as db:
            return _standing(db, self._place, budget, budget.windows(now))

    def daily_limit(self, budget: Budget, now: datetime) -> Decimal:
        """Today's budget alone (no spend summed: for views that show only the limit)."""
        with self._place.connect() as db:
            if self._place.owner:
                mine = _limits(db, self._place, self._place.owner)
                return budget.daily if mine.daily is None else mine.daily
            return _daily_limit(db, self._place, budget, budget.windows(now))

    def reserve_many(self, runs: list[Run], budget: Budget) -> None:
        """Reserve a batch's runs in one transaction, all or nothing (see `reserve_many`).

        Raises:
            BudgetExceededError: their total does not fit; nothing is reserved.
        """
        with self._place.transaction() as db:
            reserve_many(db, self._place, runs, budget)

    def release_unsent(self, run_ids: list[str]) -> None:
        """Give back the reservations of batch runs that were never sent."""
        with self._place.transaction() as db:
            release_unsent(db, self._place, run_ids)

    def entries(self, *, everyone: bool = False) -> list[Entry]:
        """The owner's entries (the whole workspace's with `everyone`), oldest first."""
        who = "" if everyone else "AND owner = :owner "
        with self._place.connect() as db:
            result = sql(
                db,
                "SELECT run_id, owner, at, price, amount, kind FROM ledger "
                f"WHERE scope = :scope {who}ORDER BY at",
                scope=self._place.scope,
                owner=self._place.owner,
            ).all()
        return [
            Entry(r, o, datetime.fromisoformat(a), Decimal(p), Decimal(m), k)
            for r, o, a, p, m, k in result
        ]

    def set_daily_budget(self, budget: Budget, now: datetime, amount: Decimal) -> None:
        """Today's budget for this key (every tab and process); tomorrow is `budget.daily`."""
        day = budget.windows(now).day.isoformat()
        with self._place.transaction() as db:
            sql(
                db,
                "INSERT INTO daily_budgets(scope, owner, day, amount) VALUES "
                "(:scope, :owner, :day, :amount) ON CONFLICT(scope, owner, day) DO UPDATE "
                "SET amount=excluded.amount",
                scope=self._place.scope,
                owner=self._place.owner,
                day=day,
                amount=str(amount),
            )

    def spend_by_owner(self, budget: Budget, now: datetime) -> dict[str, tuple[Decimal, Decimal]]:
        """Everyone's (today, this month) spend in the windows holding `now`."""
        windows = budget.windows(now)
        spent: dict[str, tuple[Decimal, Decimal]] = {}
        with self._place.connect() as db:
            result = sql(
                db,
                "SELECT owner, amount, CASE WHEN at >= :day THEN 1 ELSE 0 END, count(*) "
                "FROM ledger WHERE scope = :scope AND at >= :month GROUP BY 1, 2, 3",
                day=stamp(windows.day_start),
                month=stamp(windows.month_start),
                scope=self._place.scope,
            ).all()
        for owner, amount, is_today, n in result:
            today, month = spent.get(owner, (Decimal(0), Decimal(0)))
            money = Decimal(amount) * n
            spent[owner] = (today + money if is_today else today, month + money)
        return spent

    def all_limits(self) -> dict[str, Limits]:
        """Every limit an admin set, by owner (`TEAM` for the team's)."""
        with self._place.connect() as db:
            result = sql(
                db,
                "SELECT owner, daily, monthly FROM budget_limits WHERE scope=:scope",
                scope=self._place.scope,
            ).all()
        return {
            o: Limits(None if d is None else Decimal(d), None if m is None else Decimal(m))
            for o, d, m in result
        }

    def limits(self, owner: str) -> Limits:
        """The limits an admin set for `owner` (`TEAM`: the team's)."""
        with self._place.connect() as db:
            return _limits(db, self._place, owner)

    def set_limits(self, owner: str, limits: Limits) -> None:
        """Set `owner`'s (or the `TEAM`'s) daily and monthly limits (None: the default)."""
        daily, monthly = (None if v is None else str(v) for v in limits)
        with self._place.transaction() as db:
            sql(
                db,
                "INSERT INTO budget_limits(scope, owner, daily, monthly) VALUES "
                "(:scope, :owner, :daily, :monthly) ON CONFLICT(scope, owner) DO UPDATE "
                "SET daily=excluded.daily, monthly=excluded.monthly",
                scope=self._place.scope,
                owner=owner,
                daily=daily,
                monthly=monthly,
            )
