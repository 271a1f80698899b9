"""Sent variation batches, kept in the store's database (table `batches`), and their totals.

A batch is saved with the run id of every combination it sent; its runs carry
`Run.batch_id`, so progress and money are read from the runs themselves (`batch_totals`,
`totals_by_batch`: what the cost view shows per batch).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from playground.budget import committed
from playground.database import Place, sql
from playground.runs import Run

__all__ = [
    "Batch",
    "BatchBook",
    "BatchItem",
    "BatchTotals",
    "RefusedItem",
    "batch_totals",
    "totals_by_batch",
]


class BatchItem(BaseModel):
    """A combination that was sent: its settings and its run."""

    index: int
    settings: dict[str, str]
    run_id: str
    price: Decimal


class RefusedItem(BaseModel):
    settings: dict[str, str]
    reason: str


class Batch(BaseModel):
    """A sent batch: what varied, its runs (one per combination), what was left out."""

    batch_id: str
    created_at: datetime
    varied: list[str]
    items: list[BatchItem]
    refused: list[RefusedItem] = Field(default_factory=list)
    total: Decimal
    state: Literal["sending", "sent"] = "sending"

    @property
    def label(self) -> str:
        what = ", ".join(self.varied) if self.varied else "takes"
        return f"Batch of {len(self.items)} · {what}"


class BatchTotals(BaseModel):
    """A batch's progress and money, read from its runs."""

    runs: int
    finished: int
    succeeded: int
    failed: int
    quoted: Decimal
    spent: Decimal

    @property
    def progress(self) -> float:
        return self.finished / self.runs if self.runs else 1.0


def batch_totals(batch: Batch, runs: Iterable[Run]) -> BatchTotals:
    """Progress and spend of `batch` (spent = what its runs commit: cost once reported,
    else the price; refused, failed or never-sent runs count 0)."""
    mine = [r for r in runs if r.batch_id == batch.batch_id]
    done = [r for r in mine if not r.active]
    return BatchTotals(
        runs=len(batch.items),
        finished=len(done),
        succeeded=sum(1 for r in done if r.video_file),
        failed=sum(1 for r in done if not r.video_file),
        quoted=batch.total,
        spent=sum((committed(r) for r in mine), Decimal(0)),
    )


class BatchBook:
    """The batches of one store's person (the store passes its place)."""

    def __init__(self, place: Place) -> None:
        self._place = place

    def save(self, batch: Batch) -> None:
        with self._place.transaction() as db:
            sql(
                db,
                "INSERT INTO batches(batch_id, scope, owner, created_at, body) VALUES "
                "(:id, :scope, :owner, :at, :body) ON CONFLICT(scope, batch_id) DO UPDATE SET "
                "body=excluded.body",
                id=batch.batch_id,
                scope=self._place.scope,
                owner=self._place.owner,
                at=batch.created_at.isoformat(),
                body=batch.model_dump_json(),
            )

    def all(self) -> list[Batch]:
        """Every batch of the person, newest first (a row that no longer reads is skipped)."""
        with self._place.connect() as db:
            result = sql(
                db,
                "SELECT body FROM batches WHERE scope=:scope AND owner=:owner "
                "ORDER BY created_at DESC",
                scope=self._place.scope,
                owner=self._place.owner,
            ).all()
        batches = []
        for (body,) in result:
            try:
                batches.append(Batch.model_validate_json(body))
            except (ValidationError, json.JSONDecodeError):
                continue
        return batches

    def get(self, batch_id: str) -> Batch | None:
        return next((b for b in self.all() if b.batch_id == batch_id), None)


def totals_by_batch(batches: Iterable[Batch], runs: Iterable[Run]) -> dict[str, BatchTotals]:
    """Every batch's totals by batch id (runs read once)."""
    runs = list(runs)
    return {b.batch_id: batch_totals(b, runs) for b in batches}
