"""Sidebar on every page: mode badge, API key (session only, masked), budget and spend."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.safe import md_escape
from modelhunter.client import mask_key
from modelhunter.pricing import format_usd
from playground.budget import Standing, TeamStanding
from playground.settings import KEY_PATTERN, Mode, Settings
from playground.state import Keys, Session

__all__ = ["MODE_BADGES", "render_sidebar", "render_spend"]

MODE_BADGES: dict[Mode, tuple[str, str, str]] = {
    "demo": (
        "Demo",
        "violet",
        "Offline demo backend: real videos from your image, nothing charged.",
    ),
    "sandbox": ("Sandbox", "blue", "Sandbox key: the real API, nothing is charged."),
    "live": ("Live", "red", "Live key: runs are charged to your ModelHunter account."),
}


KEY_SHAPE = (
    "That doesn't look like a ModelHunter key: river_test_ or river_live_ followed by "
    "32 letters and digits."
)


def _set_key(session: Session) -> None:
    typed = str(st.session_state.get(Keys.SIDEBAR_KEY) or "").strip()
    # The warning belongs to what is in the field: it goes as soon as the field is
    # corrected or cleared. A malformed entry stays (masked) so the user can fix it; a
    # key that is used is never kept in a widget.
    session.key_problem = KEY_SHAPE if typed and not KEY_PATTERN.match(typed) else None
    if typed and session.key_problem is None:
        st.session_state[Keys.SIDEBAR_KEY] = ""
        session.sidebar_key = typed


def _set_budget(on_budget: Callable[[Decimal], None]) -> None:
    on_budget(Decimal(str(st.session_state[Keys.SIDEBAR_BUDGET])).quantize(Decimal("0.01")))


def _forget_key(session: Session) -> None:
    session.sidebar_key = None


def _key_inputs(session: Session, key: str | None) -> None:
    if key:
        source = "this session" if session.sidebar_key else "configuration"
        st.caption(f"Key {mask_key(key)} (from {source})")
        if session.sidebar_key:
            st.button("Forget key", on_click=_forget_key, args=(session,))
    with st.expander("Use an API key" if not key else "Use another key"):
        st.text_input(
            "ModelHunter API key",
            type="password",
            key=Keys.SIDEBAR_KEY,
            on_change=_set_key,
            args=(session,),
            help="Kept in this browser session's memory only; never written to disk.",
            placeholder="river_test_… or river_live_…",
        )
        if session.key_problem:
            st.warning(session.key_problem, icon=":material/key_off:")


def render_sidebar(
    session: Session,
    settings: Settings,
    mode: Mode,
    key: str | None,
    *,
    daily_budget: Decimal | None = None,
    on_budget: Callable[[Decimal], None] | None = None,
    team: bool = False,
) -> DeltaGenerator:
    """Draw the sidebar for the key in use; returns the slot for `render_spend`.

    Live mode shows today's budget (`daily_budget`, from the ledger) for `on_budget` to
    change. The spend meter is drawn after the page ran (into the returned slot), so a run
    submitted in this very rerun is already counted. With sign-in (`team`) the team's key
    is the server's: no key is shown or asked for, and budgets are set by admins.
    """
    label, color, text = MODE_BADGES[mode]
    if team and mode == "live":
        text = "Live: runs are charged to the team's ModelHunter account."
    with st.sidebar:
        st.badge(label, color=color, icon=":material/bolt:" if mode == "live" else None)
        st.caption(text)
        if not team:  # with sign-in the team's key is the server's: never shown or asked
            _key_inputs(session, key)
        if mode == "live" and daily_budget is not None and on_budget is not None and not team:
            # Another tab or process may have changed it: the ledger's amount wins.
            st.session_state[Keys.SIDEBAR_BUDGET] = float(daily_budget)
            st.number_input(
                "Today's budget (USD)",
                min_value=0.0,
                step=0.5,
                format="%.2f",
                key=Keys.SIDEBAR_BUDGET,
                on_change=_set_budget,
                args=(on_budget,),
                help=(
                    "Submit is blocked when the next run would take today's spend over it. "
                    "Shared by every tab and app process using this key; tomorrow starts "
                    f"from {format_usd(settings.budget_usd)} again."
                ),
            )
        slot = st.container()
        if session.notice:
            st.warning(md_escape(session.notice))
            session.notice = None
    return slot


def _team_line(team: TeamStanding) -> str:
    line = f"Team today: {format_usd(team.today)}"
    if team.daily_limit is not None:
        line += f" of {format_usd(team.daily_limit)}"
    line += f" · this month: {format_usd(team.month)}"
    if team.monthly_limit is not None:
        line += f" of {format_usd(team.monthly_limit)}"
    return line + ". Budgets are set by the team's admins."


def render_spend(slot: DeltaGenerator, standing: Standing | None, settings: Settings) -> None:
    """The spend meter (Live: `standing` from the ledger) or the statement that nothing is charged.

    The meter counts every run of the key, from any tab or app process, in today's and this
    month's calendar windows (`MODELHUNTER_BUDGET_TZ`).
    """
    with slot:
        if standing is None:
            st.caption("Nothing is charged in this mode.")
            return
        spent, budget = standing.today, standing.daily_limit
        whose = "You spent" if standing.managed else "Spent"
        st.progress(
            float(min(spent / budget, 1)) if budget else 1.0,
            text=f"{whose} {format_usd(spent)} of {format_usd(budget)} today",
        )
        month = f"This month: {format_usd(standing.month)}"
        if standing.monthly_limit is not None:
            month += f" of {format_usd(standing.monthly_limit)}"
        st.caption(
            f"{month}. Days and months in {settings.budget_tz}; "
            + (
                "your runs from every tab count."
                if standing.managed
                else "every tab and app process using this key counts."
            )
        )
        if standing.team is not None:
            st.caption(_team_line(standing.team))
        st.caption(f"Runs above {format_usd(settings.confirm_above_usd)} ask for confirmation.")
