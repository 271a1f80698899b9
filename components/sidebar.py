"""Sidebar on every page: mode badge, API key (session only, masked), budget and spend."""

from __future__ import annotations

import streamlit as st

from modelhunter.client import mask_key
from modelhunter.pricing import format_usd
from playground.settings import KEY_PATTERN, Mode, Settings
from playground.state import Session

__all__ = ["MODE_BADGES", "render_sidebar"]

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
        session.notice = "That doesn't look like a ModelHunter key (river_test_… or river_live_…)."
        return
    session.sidebar_key = typed


def _forget_key(session: Session) -> None:
    session.sidebar_key = None


def render_sidebar(session: Session, settings: Settings, mode: Mode, key: str | None) -> None:
    """Draw the sidebar for the key in use."""
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
            spent = session.spent()
            budget = settings.budget_usd
            st.progress(
                float(min(spent / budget, 1)) if budget else 1.0,
                text=f"Spent {format_usd(spent)} of {format_usd(budget)} budget",
            )
            st.caption(f"Runs above {format_usd(settings.confirm_above_usd)} ask for confirmation.")
        else:
            st.caption("Nothing is charged in this mode.")
        if session.notice:
            st.warning(session.notice)
            session.notice = None
