"""Money rules for live keys: budget windows, what a run commits, the confirmation threshold.

The budget windows are calendar periods in the configured timezone (`MODELHUNTER_BUDGET_TZ`,
default UTC), so they mean the same in every tab and process and after a restart:

- **today**: at most `MODELHUNTER_BUDGET_USD` may be committed per calendar day. The sidebar
  changes today's amount for the key (every tab and process); the next day starts from the
  configured amount again.
- **this month**: when `MODELHUNTER_BUDGET_MONTHLY_USD` is set, at most that per calendar month.

The spend in each window is read from the ledger (`playground/ledger.py`).

Billing moment (contract §12): a run's price counts from the moment it is reserved, before
anything is sent (conservative), replaced by the task's `cost` once the API reports it; failed
and cancelled tasks count what the API reports (0 when absent); runs that were refused or
never sent count 0; a run whose submit outcome is unknown keeps its price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from modelhunter.pricing import format_usd
from modelhunter.responses import TaskStatus
from playground.runs import Run
from playground.settings import Mode, Settings

__all__ = [
    "Budget",
    "BudgetExceededError",
    "Standing",
    "TeamStanding",
    "Windows",
    "committed",
    "needs_confirmation",
    "zone",
]

_NOTHING_SPENT = frozenset({"rejected", "not_sent"})
_REFUNDED = frozenset({TaskStatus.FAILED, TaskStatus.CANCELLED})


def zone(name: str) -> tzinfo:
    """The timezone called `name` (UTC needs no timezone database).

    Raises:
        zoneinfo.ZoneInfoNotFoundError: no such timezone.
    """
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


@dataclass(frozen=True)
class Windows:
    """The calendar periods holding `now`: its local day, and where that day and month start."""

    day: date
    day_start: datetime
    month_start: datetime


@dataclass(frozen=True)
class Budget:
    """The configured limits: USD per calendar day and, optionally, per month, in `tz` (with
    sign-in: each person's default limits, and the team's)."""

    daily: Decimal
    monthly: Decimal | None = None
    tz: tzinfo = UTC
    # With sign-in: the team's limits unless an admin set others (None: no cap).
    team_daily: Decimal | None = None
    team_monthly: Decimal | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Budget:
        return cls(
            daily=settings.budget_usd,
            monthly=settings.budget_monthly_usd,
            tz=zone(settings.budget_tz),
            team_daily=settings.team_budget_usd,
            team_monthly=settings.team_budget_monthly_usd,
        )

    def windows(self, now: datetime) -> Windows:
        """The day and month holding `now` in this budget's timezone (naive `now` is UTC)."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        day = now.astimezone(self.tz).date()
        return Windows(
            day=day,
            day_start=datetime.combine(day, time.min, tzinfo=self.tz),
            month_start=datetime.combine(day.replace(day=1), time.min, tzinfo=self.tz),
        )


@dataclass(frozen=True)
class Standing:
    """Spend and limits of the current windows, as the ledger has them.

    With sign-in, these are the person's, limits set by an admin (`managed`), and `team` is
    the whole team's standing (its limits may be None: no cap); a run must fit both.
    """

    today: Decimal
    month: Decimal
    daily_limit: Decimal
    monthly_limit: Decimal | None = None
    team: TeamStanding | None = None
    managed: bool = False

    def refusal(self, price: Decimal, sent: str = "", *, what: str = "This run") -> str | None:
        """Why a run (or `what`: "This batch") of `price` may not be reserved now (None when
        it may)."""
        whose = "your" if self.managed else "the"
        raise_it = (
            "Ask an admin to raise your budget, or choose cheaper settings."
            if self.managed
            else "Raise today's budget in the sidebar or choose cheaper settings."
        )
        if self.today + price > self.daily_limit:
            return (
                f"{what} ({format_usd(price)}) would take today's spend "
                f"({format_usd(self.today)}) over {whose} daily budget "
                f"({format_usd(self.daily_limit)}). {sent}{raise_it}"
            )
        if self.monthly_limit is not None and self.month + price > self.monthly_limit:
            return (
                f"{what} ({format_usd(price)}) would take this month's spend "
                f"({format_usd(self.month)}) over {whose} monthly budget "
                f"({format_usd(self.monthly_limit)}). {sent}"
                "Choose cheaper settings, or wait for next month."
            )
        return self.team.refusal(price, sent, what=what) if self.team else None


@dataclass(frozen=True)
class TeamStanding:
    """The whole team's spend in the current windows and its limits (None: no cap)."""

    today: Decimal
    month: Decimal
    daily_limit: Decimal | None = None
    monthly_limit: Decimal | None = None

    def refusal(self, price: Decimal, sent: str = "", *, what: str = "This run") -> str | None:
        """Why `price` does not fit the team's budget now (None when it does)."""
        for spent, limit, when, window in (
            (self.today, self.daily_limit, "today", "daily"),
            (self.month, self.monthly_limit, "this month", "monthly"),
        ):
            if limit is not None and spent + price > limit:
                return (
                    f"{what} ({format_usd(price)}) would take the team's spend {when} "
                    f"({format_usd(spent)}) over the team's {window} budget "
                    f"({format_usd(limit)}). {sent}Ask an admin, or choose cheaper settings."
                )
        return None


class BudgetExceededError(Exception):
    """A submit was refused before anything was sent: it would take spend over the budget."""

    def __init__(self, *, price: Decimal, standing: Standing, what: str = "This run") -> None:
        self.price = price
        self.standing = standing
        message = standing.refusal(price, sent="Nothing was sent. ", what=what)
        super().__init__(message or f"{what} does not fit the budget. Nothing was sent.")


def committed(run: Run) -> Decimal:
    """The money a run commits towards a budget (see the module docstring)."""
    if run.phase in _NOTHING_SPENT:
        return Decimal(0)
    if run.task is not None and run.task.cost is not None:
        return run.task.cost
    if run.task is not None and run.task.status in _REFUNDED:
        return Decimal(0)
    return run.price


def needs_confirmation(mode: Mode, price: Decimal, threshold: Decimal) -> bool:
    """Live runs above the threshold are confirmed in a dialog first."""
    return mode == "live" and price > threshold
