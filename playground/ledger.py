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

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from playground.budget import Budget, BudgetExceededError, Standing, Windows, committed
from playground.runs import Run

__all__ = [
    "EntryKind",
    "Ledger",
    "create_tables",
    "entry_for",
    "reserve",
    "release_unsent",
    "reserve_many",
    "settle",
]

EntryKind = Literal["reserved", "charged", "released"]
Connect = Callable[[], AbstractContextManager[sqlite3.Connection]]

_TABLES = (
    """
    CREATE TABLE IF NOT EXISTS ledger (
        run_id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        price TEXT NOT NULL,
        amount TEXT NOT NULL,
        kind TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS ledger_at ON ledger(at)",
    "CREATE TABLE IF NOT EXISTS daily_budgets (day TEXT PRIMARY KEY, amount TEXT NOT NULL)",
)


def _stamp(moment: datetime) -> str:
    """A sortable UTC timestamp (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_for(run: Run) -> tuple[EntryKind, Decimal]:
    """What a run's ledger entry says now (the amount is `budget.committed`)."""
    amount = committed(run)
    if run.phase in ("rejected", "not_sent"):
        return "released", amount
    if run.task is not None and (run.task.cost is not None or run.task.is_terminal):
        return "charged", amount
    return "reserved", amount


def create_tables(db: sqlite3.Connection) -> None:
    for statement in _TABLES:
        db.execute(statement)


def reserve(db: sqlite3.Connection, run: Run, budget: Budget) -> None:
    """Reserve a new run's price if it fits every window (call inside `BEGIN IMMEDIATE`).

    Raises:
        BudgetExceededError: the price does not fit; nothing is written.
    """
    standing = _standing(db, budget, budget.windows(run.created_at), excluding=run.run_id)
    if standing.refusal(run.price) is not None:
        raise BudgetExceededError(price=run.price, standing=standing)
    _upsert(db, run)


def reserve_many(db: sqlite3.Connection, runs: list[Run], budget: Budget) -> None:
    """Reserve the prices of several new runs together, all or nothing (call inside
    `BEGIN IMMEDIATE`): the check is made on their total, against every window.

    Only ledger entries are written: each run is saved later by its own submit, and its
    entry then follows it (`settle`), keeping the reservation's date.

    Raises:
        BudgetExceededError: the total does not fit; nothing is written.
    """
    if not runs:
        return
    ids = tuple(run.run_id for run in runs)
    total = sum((run.price for run in runs), Decimal(0))
    rows = db.execute(
        f"SELECT count(*) FROM ledger WHERE run_id IN ({','.join('?' * len(ids))})", ids
    ).fetchone()
    if rows[0]:
        raise ValueError("These runs are reserved already: a batch is reserved once.")
    standing = _standing(db, budget, budget.windows(runs[0].created_at))
    if standing.refusal(total) is not None:
        raise BudgetExceededError(price=total, standing=standing, what="This batch")
    for run in runs:
        _upsert(db, run)


def release_unsent(db: sqlite3.Connection, run_ids: list[str]) -> None:
    """Release reservations of runs that were never saved (a batch stopped before sending
    them): their entries count 0 from now on."""
    for run_id in run_ids:
        db.execute(
            "UPDATE ledger SET amount='0', kind='released' WHERE run_id=? "
            "AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.run_id = ledger.run_id)",
            (run_id,),
        )


def settle(db: sqlite3.Connection, run: Run) -> None:
    """Write a run's entry as the run stands now (call on every save of the run).

    Every run submitted from here has an entry, made at its first save and dated then; a
    task recovered from the API list that we never submitted gets none.
    """
    if run.request is not None:
        _upsert(db, run)
        return
    kind, amount = entry_for(run)
    db.execute("UPDATE ledger SET amount=?, kind=? WHERE run_id=?", (str(amount), kind, run.run_id))


def _upsert(db: sqlite3.Connection, run: Run) -> None:
    kind, amount = entry_for(run)
    db.execute(
        "INSERT INTO ledger(run_id, at, price, amount, kind) VALUES (?,?,?,?,?) "
        "ON CONFLICT(run_id) DO UPDATE SET amount=excluded.amount, kind=excluded.kind",
        (run.run_id, _stamp(run.created_at), str(run.price), str(amount), kind),
    )


def _standing(
    db: sqlite3.Connection, budget: Budget, windows: Windows, excluding: str | None = None
) -> Standing:
    # Summed per distinct amount in SQLite (a month may hold tens of thousands of entries,
    # but few distinct prices), then exactly in Decimal: no float ever touches money.
    rows = db.execute(
        "SELECT amount, at >= ?, count(*) FROM ledger WHERE at >= ? AND run_id IS NOT ? "
        "GROUP BY amount, at >= ?",
        (
            _stamp(windows.day_start),
            _stamp(windows.month_start),
            excluding,
            _stamp(windows.day_start),
        ),
    ).fetchall()
    return Standing(
        today=sum((Decimal(amount) * n for amount, today, n in rows if today), Decimal(0)),
        month=sum((Decimal(amount) * n for amount, _, n in rows), Decimal(0)),
        daily_limit=_daily_limit(db, budget, windows),
        monthly_limit=budget.monthly,
    )


def _daily_limit(db: sqlite3.Connection, budget: Budget, windows: Windows) -> Decimal:
    """Today's budget: the amount set for this day (sidebar), else the configured one."""
    override = db.execute(
        "SELECT amount FROM daily_budgets WHERE day=?", (windows.day.isoformat(),)
    ).fetchone()
    return Decimal(override[0]) if override else budget.daily


class Ledger:
    """Reads and budget changes on one store's ledger (the store passes its connection)."""

    def __init__(self, connect: Connect, transaction: Connect) -> None:
        self._connect = connect
        self._transaction = transaction

    def standing(self, budget: Budget, now: datetime) -> Standing:
        """Spend and limits of the windows holding `now`, across every tab and process."""
        with self._connect() as db:
            return _standing(db, budget, budget.windows(now))

    def daily_limit(self, budget: Budget, now: datetime) -> Decimal:
        """Today's budget alone (no spend summed: for views that show only the limit)."""
        with self._connect() as db:
            return _daily_limit(db, budget, budget.windows(now))

    def reserve_many(self, runs: list[Run], budget: Budget) -> None:
        """Reserve a batch's runs in one transaction, all or nothing (see `reserve_many`).

        Raises:
            BudgetExceededError: their total does not fit; nothing is reserved.
        """
        with self._transaction() as db:
            reserve_many(db, runs, budget)

    def release_unsent(self, run_ids: list[str]) -> None:
        """Give back the reservations of batch runs that were never sent."""
        with self._transaction() as db:
            release_unsent(db, run_ids)

    def entries(self) -> list[tuple[str, datetime, Decimal, Decimal, EntryKind]]:
        """Every entry, oldest first: (run id, when, quoted price, amount counted, kind)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT run_id, at, price, amount, kind FROM ledger ORDER BY at"
            ).fetchall()
        return [(r, datetime.fromisoformat(a), Decimal(p), Decimal(m), k) for r, a, p, m, k in rows]

    def set_daily_budget(self, budget: Budget, now: datetime, amount: Decimal) -> None:
        """Today's budget for this key (every tab and process); tomorrow is `budget.daily`."""
        day = budget.windows(now).day.isoformat()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO daily_budgets(day, amount) VALUES (?,?) "
                "ON CONFLICT(day) DO UPDATE SET amount=excluded.amount",
                (day, str(amount)),
            )
