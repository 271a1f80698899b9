"""Spend from the ledger: per run, then per day, per model and per batch, with totals.

The ledger (`playground/ledger.py`) is the only source of money: every run submitted from
here has an entry, kept even after the run is deleted. `estimated` is the price quoted before
submitting; `charged` is what the entry counts once the task is settled (the API's reported
cost when it gives one); `in_progress` is still only reserved. Refused and never-sent runs
were not charged and are left out. Demo and Sandbox charge nothing: their charged amounts are 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date, tzinfo
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from playground.curation import batch_of, display_title
from playground.ledger import Entry
from playground.runs import Run

__all__ = ["CostLine", "CostRow", "by_group", "cost_lines", "lines_csv", "total"]

NO_BATCH = "(no batch)"
DELETED = "(deleted run)"
_ZERO = Decimal(0)


NO_PERSON = "(before sign-in)"  # runs made before the team signed in, or without sign-in


class CostLine(BaseModel):
    """One submitted run's money."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    owner: str = ""  # whose run (the person's email with sign-in)
    day: date
    model: str
    batch: str
    title: str
    estimated: Decimal
    charged: Decimal
    in_progress: Decimal


class CostRow(BaseModel):
    """A group of runs (a day, a model, a batch, or everything)."""

    model_config = ConfigDict(frozen=True)

    group: str
    runs: int
    estimated: Decimal
    charged: Decimal
    in_progress: Decimal


def cost_lines(
    entries: Iterable[Entry],
    runs: dict[str, Run],
    *,
    live: bool,
    tz: tzinfo,
    batch_names: dict[str, str] | None = None,
) -> list[CostLine]:
    """One line per ledger entry that was sent (oldest first); days in the budget's timezone."""
    names = batch_names or {}
    lines = []
    for run_id, owner, at, price, amount, kind in entries:
        if kind == "released":
            continue
        run = runs.get(run_id)
        settled = kind == "charged"
        lines.append(
            CostLine(
                run_id=run_id,
                owner=owner or NO_PERSON,
                day=at.astimezone(tz).date(),
                model=run.model if run else DELETED,
                batch=_batch(run, names),
                title=display_title(run) if run else DELETED,
                estimated=price,
                charged=amount if live and settled else _ZERO,
                in_progress=amount if live and not settled else _ZERO,
            )
        )
    return lines


def _batch(run: Run | None, names: dict[str, str]) -> str:
    if run is None:
        return DELETED
    batch = batch_of(run)
    return names.get(batch, batch) if batch else NO_BATCH


def _row(group: str, lines: list[CostLine]) -> CostRow:
    return CostRow(
        group=group,
        runs=len(lines),
        estimated=sum((ln.estimated for ln in lines), _ZERO),
        charged=sum((ln.charged for ln in lines), _ZERO),
        in_progress=sum((ln.in_progress for ln in lines), _ZERO),
    )


def by_group(lines: list[CostLine], key: Callable[[CostLine], object]) -> list[CostRow]:
    """Totals per value of `key` (e.g. `lambda ln: ln.day`), in order of first appearance."""
    groups: dict[str, list[CostLine]] = {}
    for line in lines:
        groups.setdefault(str(key(line)), []).append(line)
    return [_row(name, members) for name, members in groups.items()]


def total(lines: list[CostLine]) -> CostRow:
    return _row("Total", lines)


def _safe_cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return f"'{text}" if text.startswith(("=", "+", "-", "@")) else text


def lines_csv(lines: list[CostLine], *, people: bool = False) -> str:
    """Every line as CSV with a total row (titles that look like formulas are quoted; with
    `people`, a first column names whose run it was)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    who = ["person"] if people else []
    writer.writerow(
        [
            *who,
            "day",
            "run_id",
            "model",
            "batch",
            "title",
            "estimated_usd",
            "charged_usd",
            "in_progress_usd",
        ]
    )
    for ln in lines:
        owner = [_safe_cell(ln.owner)] if people else []
        writer.writerow(
            [
                *owner,
                ln.day,
                ln.run_id,
                ln.model,
                ln.batch,
                _safe_cell(ln.title),
                ln.estimated,
                ln.charged,
                ln.in_progress,
            ]
        )
    all_ = total(lines)
    writer.writerow(
        [
            "Total",
            *([""] if people else []),
            "",
            "",
            "",
            f"{all_.runs} runs",
            all_.estimated,
            all_.charged,
            all_.in_progress,
        ]
    )
    return out.getvalue()
