"""Money rules for live keys: the session budget and the confirmation threshold."""

from __future__ import annotations

from decimal import Decimal

from modelhunter.pricing import format_usd
from playground.settings import Mode

__all__ = ["budget_block", "needs_confirmation"]


def budget_block(mode: Mode, spent: Decimal, price: Decimal, budget: Decimal) -> str | None:
    """Why the next run may not be submitted (None when it may). Only live keys spend."""
    if mode != "live":
        return None
    if spent + price > budget:
        return (
            f"This run ({format_usd(price)}) would take this session's spend "
            f"({format_usd(spent)}) over its budget ({format_usd(budget)}). "
            "Raise the budget in settings or choose cheaper settings."
        )
    return None


def needs_confirmation(mode: Mode, price: Decimal, threshold: Decimal) -> bool:
    """Live runs above the threshold are confirmed in a dialog first."""
    return mode == "live" and price > threshold
