"""The Team page's budget forms: the team's limits, and each person's spend and limits."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

import streamlit as st

from components.safe import md_escape
from modelhunter.pricing import format_usd
from playground.budget import Budget
from playground.costs import NO_PERSON
from playground.ledger import TEAM, Ledger, Limits
from playground.settings import Settings
from playground.state import Keys
from playground.store import Store

__all__ = ["render_people", "render_team_budget"]


def _usd(value: Decimal | None, default: str) -> str:
    return format_usd(value) if value is not None else default


def _of(limit: Decimal | None) -> str:
    """What follows a spend: ' of $x', or ' (no cap)' without a limit."""
    return f" of {format_usd(limit)}" if limit is not None else " (no cap)"


def _amount(label: str, current: Decimal | None, key: str, default: str) -> Decimal | None:
    value = st.number_input(
        label,
        min_value=0.0,
        step=1.0,
        format="%.2f",
        value=None if current is None else float(current),
        placeholder=f"default: {default}",
        key=key,
        help="Leave empty to use the configured default.",
    )
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def render_team_budget(ledger: Ledger, settings: Settings, now: datetime) -> None:
    """The team's spend today and this month, and its limits (empty: the configured ones)."""
    budget = Budget.from_settings(settings)
    team = ledger.standing(budget, now).team
    st.subheader("Team budget")
    if team is not None:
        st.caption(
            f"Spent today {format_usd(team.today)}{_of(team.daily_limit)}; "
            f"this month {format_usd(team.month)}{_of(team.monthly_limit)}."
        )
    current = ledger.limits(TEAM)
    no_cap_day = _usd(settings.team_budget_usd, "no cap")
    no_cap_month = _usd(settings.team_budget_monthly_usd, "no cap")
    with st.form("team_budget_form", border=True):
        left, right = st.columns(2)
        with left:
            daily = _amount("Team daily budget (USD)", current.daily, Keys.TEAM_DAILY, no_cap_day)
        with right:
            monthly = _amount(
                "Team monthly budget (USD)", current.monthly, Keys.TEAM_MONTHLY, no_cap_month
            )
        if st.form_submit_button("Save team budget", icon=":material/save:"):
            ledger.set_limits(TEAM, Limits(daily, monthly))
            st.toast("Team budget saved.", icon=":material/check:")
        if st.form_submit_button("Use the configured team budget", type="tertiary"):
            _back_to_defaults(ledger, TEAM, (Keys.TEAM_DAILY, Keys.TEAM_MONTHLY))


def render_people(store: Store, settings: Settings, now: datetime) -> None:
    """Everyone's spend and limits, and a form to set one person's limits."""
    budget = Budget.from_settings(settings)
    spent = store.ledger.spend_by_owner(budget, now)
    limits = store.ledger.all_limits()
    members = {m.owner: m.name for m in store.people.members()}
    owners = sorted(set(members) | {o for o in spent if o})
    st.subheader("People")
    if not owners:
        st.info("Nobody has signed in yet.")
        return
    rows = []
    for owner in owners:
        today, month = spent.get(owner, (Decimal(0), Decimal(0)))
        mine = limits.get(owner, Limits(None, None))
        rows.append(
            {
                "Person": owner,
                "Name": members.get(owner, ""),
                "Today": format_usd(today),
                "Daily budget": _usd(mine.daily, f"{format_usd(budget.daily)} (default)"),
                "This month": format_usd(month),
                "Monthly budget": _usd(mine.monthly, _usd(budget.monthly, "no cap") + " (default)"),
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")
    if "" in spent:
        today, month = spent[""]
        st.caption(
            f"{NO_PERSON}: {format_usd(today)} today, {format_usd(month)} this month "
            "(runs made before sign-in was set up; they count for the team)."
        )
    owner = st.selectbox("Set the budget of", owners, key=Keys.PERSON_PICK) or ""
    mine = limits.get(owner, Limits(None, None))
    tag = hashlib.sha256(owner.encode()).hexdigest()[:12]  # each person's fields are their own
    with st.form("person_budget_form", border=True):
        left, right = st.columns(2)
        default_day = format_usd(budget.daily)
        default_month = _usd(budget.monthly, "no cap")
        with left:
            daily = _amount(
                "Daily budget (USD)", mine.daily, f"{Keys.PERSON_DAILY}_{tag}", default_day
            )
        with right:
            monthly = _amount(
                "Monthly budget (USD)", mine.monthly, f"{Keys.PERSON_MONTHLY}_{tag}", default_month
            )
        if st.form_submit_button("Save budget", icon=":material/save:") and owner:
            store.ledger.set_limits(owner, Limits(daily, monthly))
            st.toast(f"Budget of {md_escape(owner)} saved.", icon=":material/check:")
            st.rerun()
        if st.form_submit_button("Use the defaults", type="tertiary") and owner:
            keys = (f"{Keys.PERSON_DAILY}_{tag}", f"{Keys.PERSON_MONTHLY}_{tag}")
            _back_to_defaults(store.ledger, owner, keys)


def _back_to_defaults(ledger: Ledger, owner: str, keys: tuple[str, ...]) -> None:
    """Forget the limits an admin set (the configured ones apply again) and empty the fields."""
    ledger.set_limits(owner, Limits(None, None))
    for key in keys:
        st.session_state.pop(key, None)
    st.toast("The configured budget applies again.", icon=":material/restart_alt:")
    st.rerun()
