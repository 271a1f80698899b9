"""Data steps of the migrations that need to read runs (SQLite files made by older versions)."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import Connection, text

from playground.database import stamp
from playground.runs import Run

__all__ = ["run_flags", "utc_stamps_and_ledger"]


def _runs(bind: Connection) -> list[tuple[str, Run]]:
    found = []
    for run_id, body in bind.execute(text("SELECT run_id, body FROM runs")).all():
        try:
            found.append((run_id, Run.model_validate_json(body)))
        except ValidationError:
            continue  # kept as it is; the store skips it when reading
    return found


def utc_stamps_and_ledger(bind: Connection) -> None:
    """Version 2: `created_at` as UTC stamps, and a ledger entry for every run sent from here."""
    from playground.ledger import entry_for

    for run_id, run in _runs(bind):
        at = stamp(run.created_at)
        bind.execute(
            text("UPDATE runs SET created_at = :at WHERE run_id = :id"), {"at": at, "id": run_id}
        )
        if run.request is None:
            continue
        kind, amount = entry_for(run)
        bind.execute(
            text(
                "INSERT INTO ledger (run_id, at, price, amount, kind) VALUES "
                "(:id, :at, :price, :amount, :kind) ON CONFLICT (run_id) DO UPDATE SET "
                "amount = excluded.amount, kind = excluded.kind"
            ),
            {"id": run_id, "at": at, "price": str(run.price), "amount": str(amount), "kind": kind},
        )


def run_flags(bind: Connection) -> None:
    """Fill the `active` and `deleted` columns of existing runs from their bodies."""
    for run_id, run in _runs(bind):
        bind.execute(
            text("UPDATE runs SET active = :a, deleted = :d WHERE run_id = :id"),
            {"a": int(run.active), "d": int(run.deleted_at is not None), "id": run_id},
        )
