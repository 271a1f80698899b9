"""The price badge: total and a one-line breakdown, shown before anything is spent."""

from __future__ import annotations

import streamlit as st

from modelhunter.pricing import NoPriceError, PriceQuote, price_for
from playground.form_schema import Values
from playground.settings import Mode

__all__ = ["current_quote", "render_price"]


def current_quote(model: str, values: Values) -> PriceQuote | None:
    """Price of the settings that drive cost, even while other fields are still invalid."""
    try:
        return price_for(
            model,
            str(values.get("input.mode", "std")),
            str(values.get("input.sound", "off")),
            int(values.get("input.duration", 5)),
        )
    except (NoPriceError, TypeError, ValueError):
        return None


def render_price(quote: PriceQuote | None, mode: Mode) -> None:
    """Total as a metric, the breakdown, and what it means in this mode."""
    if quote is None:
        st.metric("Price", "—")
        st.caption("No price for this combination.")
        return
    st.metric("Price" + (" (estimated)" if quote.estimated else ""), quote.label)
    st.caption(quote.breakdown)
    if mode == "demo":
        st.caption("Demo mode: what this would cost with a live key. Nothing is charged.")
    elif mode == "sandbox":
        st.caption("Sandbox key: nothing is charged.")
