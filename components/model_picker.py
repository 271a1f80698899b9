"""The model choice at the top of the form, and the confirmation of a paid run."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from modelhunter.requests import MODEL_IDS
from playground.draft import Draft
from playground.form_schema import settle
from playground.state import Keys

__all__ = ["MODEL_LABELS", "render_model_picker", "render_paid_confirmation"]

MODEL_LABELS = {
    "kling-v3": "Kling v3 · per second · 3–15 s",
    "kling-v2-6": "Kling v2.6 · per video · 5 or 10 s",
}


def render_model_picker(draft: Draft) -> None:
    """Kling v3 or v2.6; switching keeps every value that still applies, and a value the
    new model had to change stays changed when switching back."""

    def choose() -> None:
        draft.model = st.session_state[Keys.MODEL]
        settle(draft.model, draft.values)

    st.session_state.setdefault(Keys.MODEL, draft.model)
    st.segmented_control(
        "Model",
        MODEL_IDS,
        key=Keys.MODEL,
        required=True,
        format_func=MODEL_LABELS.get,
        on_change=choose,
    )


def _close() -> None:
    st.session_state.pop(Keys.CONFIRMING, None)


@st.dialog("Confirm a paid run", on_dismiss=_close)
def _confirm(price: str, on_pay: Callable[[], None]) -> None:
    st.write(f"This run costs **{price}** on the live key.")
    pay, cancel = st.columns(2)
    if pay.button("Pay and generate", type="primary", key=Keys.CONFIRM_PAY):
        _close()
        on_pay()
        st.rerun()
    if cancel.button("Cancel", key=Keys.CONFIRM_CANCEL):
        _close()
        st.rerun()


def render_paid_confirmation(price: str, on_pay: Callable[[], None], *, ask: bool) -> None:
    """Open the confirmation (`ask`) and keep it open across reruns until answered."""
    if ask:
        st.session_state[Keys.CONFIRMING] = True
    if st.session_state.get(Keys.CONFIRMING):
        _confirm(price, on_pay)
