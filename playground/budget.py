"""Money rules for live keys: the session budget, what a run commits, the confirmation threshold.

Billing moment (contract §12): a run's price counts from the moment it is saved before the
POST (conservative), replaced by the task's `cost` once the API reports it; failed and
cancelled tasks count what the API reports (0 when absent); runs that were refused or never
sent count 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from modelhunter.pricing import format_usd
from modelhunter.responses import TaskStatus
from playground.runs import Run
from playground.settings import Mode

__all__ = [
    "Budget",
    "BudgetExceededError",
    "budget_block",
    "committed",
    "needs_confirmation",
]

_NOTHING_SPENT = frozenset({"rejected", "not_sent"})
_REFUNDED = frozenset({TaskStatus.FAILED, TaskStatus.CANCELLED})


@dataclass(frozen=True)
class Budget:
    """A spending cap: at most `limit` USD committed by runs created at or after `since`."""

    limit: Decimal
    since: datetime


class BudgetExceededError(Exception):
    """A submit was refused before anything was sent: it would take spend over the budget."""

    def __init__(self, *, price: Decimal, spent: Decimal, limit: Decimal) -> None:
        self.price = price
        self.spent = spent
        self.limit = limit
        super().__init__(_over_budget_message(price, spent, limit, sent="Nothing was sent. "))


def _over_budget_message(price: Decimal, spent: Decimal, limit: Decimal, sent: str = "") -> str:
    return (
        f"This run ({format_usd(price)}) would take this session's spend "
        f"({format_usd(spent)}) over its budget ({format_usd(limit)}). {sent}"
        "Raise the budget in settings or choose cheaper settings."
    )


def committed(run: Run) -> Decimal:
    """The money a run commits towards a budget (see the module docstring)."""
    if run.phase in _NOTHING_SPENT:
        return Decimal(0)
    if run.task is not None and run.task.cost is not None:
        return run.task.cost
    if run.task is not None and run.task.status in _REFUNDED:
        return Decimal(0)
    return run.price


def budget_block(mode: Mode, spent: Decimal, price: Decimal, budget: Decimal) -> str | None:
    """Why the next run may not be submitted (None when it may). Only live keys spend."""
    if mode != "live":
        return None
    if spent + price > budget:
        return _over_budget_message(price, spent, budget)
    return None


def needs_confirmation(mode: Mode, price: Decimal, threshold: Decimal) -> bool:
    """Live runs above the threshold are confirmed in a dialog first."""
    return mode == "live" and price > threshold
