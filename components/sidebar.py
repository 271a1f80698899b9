"""Sidebar on every page: mode badge, API key (session only, masked), budget and spend."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.safe import md_escape
from modelhunter.client import mask_key
from modelhunter.pricing import format_usd
from playground.settings import KEY_PATTERN, Mode, Settings
from playground.state import Session

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


def _set_key(session: Session) -> None:
    typed = str(st.session_state.get("sidebar_key_input") or "").strip()
    st.session_state["sidebar_key_input"] = ""  # never keep the key in a widget
    if not typed:
        return
    if not KEY_PATTERN.match(typed):
        session.notice = (
            "That doesn't look like a ModelHunter key: river_test_ or river_live_ followed by "
            "32 letters and digits."
        )
        return
    session.sidebar_key = typed


def _set_budget(session: Session) -> None:
    session.budget_usd = Decimal(str(st.session_state["sidebar_budget"])).quantize(Decimal("0.01"))


def _forget_key(session: Session) -> None:
    session.sidebar_key = None


def render_sidebar(
    session: Session, settings: Settings, mode: Mode, key: str | None
) -> DeltaGenerator:
    """Draw the sidebar for the key in use; returns the slot for `render_spend`.

    The spend meter is drawn after the page ran (into the returned slot), so a run
    submitted in this very rerun is already counted.
    """
    label, color, text = MODE_BADGES[mode]
    with st.sidebar:
        st.badge(label, color=color, icon=":material/bolt:" if mode == "live" else None)
        st.caption(text)
        if key:
            source = "this session" if session.sidebar_key else "configuration"
            st.caption(f"Key {mask_key(key)} (from {source})")
            if session.sidebar_key:
                st.button("Forget key", on_click=_forget_key, args=(session,))
        with st.expander("Use an API key" if not key else "Use another key"):
            st.text_input(
                "ModelHunter API key",
                type="password",
                key="sidebar_key_input",
                on_change=_set_key,
                args=(session,),
                help="Kept in this browser session's memory only; never written to disk.",
                placeholder="river_test_… or river_live_…",
            )
        if mode == "live":
            st.number_input(
                "Session budget (USD)",
                min_value=0.0,
                value=float(session.budget(settings).limit),
                step=0.5,
                format="%.2f",
                key="sidebar_budget",
                on_change=_set_budget,
                args=(session,),
                help="Submit is blocked when the next run would take this session's spend over it.",
            )
        slot = st.container()
        if session.notice:
            st.warning(md_escape(session.notice))
            session.notice = None
    return slot


def render_spend(slot: DeltaGenerator, session: Session, settings: Settings, mode: Mode) -> None:
    """The spend meter (Live) or the plain statement that nothing is charged."""
    with slot:
        if mode != "live":
            st.caption("Nothing is charged in this mode.")
            return
        spent = session.spent()
        budget = session.budget(settings).limit
        st.progress(
            float(min(spent / budget, 1)) if budget else 1.0,
            text=f"Spent {format_usd(spent)} of {format_usd(budget)} budget",
        )
        st.caption(f"Runs above {format_usd(settings.confirm_above_usd)} ask for confirmation.")
