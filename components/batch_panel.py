"""Variations: what to vary, the table of every combination with its price and the total,
and one button that sends the batch (reserved all or nothing on a Live key)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.safe import md_escape
from modelhunter.pricing import format_usd
from modelhunter.requests import ASPECT_RATIOS, MODE_LABELS, MODEL_IDS
from playground.batch_runner import send_batch
from playground.batches import MAX_COMBINATIONS, MAX_TAKES, BatchPlan, Variations, plan_batch
from playground.budget import Budget, BudgetExceededError
from playground.jobs import Jobs
from playground.presets import remember_sent
from playground.settings import Settings
from playground.state import Keys, Session, budget_standing

__all__ = ["render_batch_panel", "variations_from_state"]

DURATIONS = (3, 5, 8, 10, 15)


def variations_from_state() -> Variations:
    """The variations the widgets hold now (empty: vary nothing)."""
    ss = st.session_state

    def lines(key: str) -> list[str]:
        return [line.strip() for line in str(ss.get(key) or "").splitlines() if line.strip()]

    return Variations(
        prompts=lines(Keys.BATCH_PROMPTS),
        negative_prompts=lines(Keys.BATCH_NEGATIVES),
        models=list(ss.get(Keys.BATCH_MODELS) or []),
        modes=list(ss.get(Keys.BATCH_MODES) or []),
        durations=list(ss.get(Keys.BATCH_DURATIONS) or []),
        sounds=list(ss.get(Keys.BATCH_SOUNDS) or []),
        aspect_ratios=list(ss.get(Keys.BATCH_ASPECTS) or []),
        takes=int(ss.get(Keys.BATCH_TAKES) or 1),
    )


def _inputs() -> None:
    left, right = st.columns(2)
    left.text_area(
        "Prompts, one per line",
        key=Keys.BATCH_PROMPTS,
        height=100,
        placeholder="Empty: the form's prompt",
    )
    right.text_area(
        "Negative prompts, one per line",
        key=Keys.BATCH_NEGATIVES,
        height=100,
        placeholder="Empty: the form's",
    )
    cols = st.columns(3)
    cols[0].multiselect("Models", MODEL_IDS, key=Keys.BATCH_MODELS, placeholder="The form's")
    cols[1].multiselect(
        "Modes",
        list(MODE_LABELS),
        key=Keys.BATCH_MODES,
        format_func=MODE_LABELS.get,
        placeholder="The form's",
    )
    cols[2].multiselect(
        "Durations (s)", DURATIONS, key=Keys.BATCH_DURATIONS, placeholder="The form's"
    )
    cols = st.columns(3)
    cols[0].multiselect("Sound", ["off", "on"], key=Keys.BATCH_SOUNDS, placeholder="The form's")
    cols[1].multiselect(
        "Aspect ratios", ASPECT_RATIOS, key=Keys.BATCH_ASPECTS, placeholder="The form's"
    )
    cols[2].number_input("Takes of each", 1, MAX_TAKES, 1, key=Keys.BATCH_TAKES)


def _table(plan: BatchPlan) -> None:
    rows = [
        {
            "#": c.index,
            **c.settings,
            "Price": (format_usd(c.price) + (" (est.)" if c.price_estimated else ""))
            if c.price is not None
            else "—",
            "Sent?": "yes" if c.request is not None else f"no: {c.refusal}",
        }
        for c in plan.combinations
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="batch_table")


def render_batch_panel(
    jobs: Jobs,
    session: Session,
    settings: Settings,
    *,
    live: bool,
    demo: bool,
    on_sent: Callable[[], None] = st.rerun,
) -> None:
    """The Variations expander (under the form); Live batches are reserved against the
    budget, and blocked here when their total does not fit."""
    standing = budget_standing(jobs, settings) if live else None
    budget = Budget.from_settings(settings) if live else None
    with st.expander(
        "Variations: try several settings at once",
        icon=":material/grid_view:",
        key="batch_expander",
    ):
        _inputs()
        variations = variations_from_state()
        if not variations.varied() and variations.takes == 1:
            st.caption(f"Vary one or more settings (up to {MAX_COMBINATIONS} combinations).")
            return
        try:
            plan = plan_batch(session.draft, variations)
        except ValueError as exc:
            st.warning(str(exc), icon=":material/warning:")
            return
        _table(plan)
        total = format_usd(plan.total) + (" (est.)" if plan.estimated else "")
        count = len(plan.accepted)
        refused = len(plan.refused)
        st.markdown(
            f"**Total: {total}** for {count} run{'s' * (count != 1)}"
            + (f" · {refused} left out (the API would refuse them)" if refused else "")
            + (" · Demo: nothing is charged" if demo else "")
        )
        blocked = standing.refusal(plan.total) if standing is not None and count else None
        if blocked:
            st.caption(md_escape(blocked))
        clicked = st.button(
            f"Send {count} runs · {total}",
            type="primary",
            key=Keys.BATCH_SEND,
            disabled=not count or blocked is not None,
            icon=":material/send:",
        )
        if clicked:
            with st.spinner(f"Submitting {count} runs…"):
                _send(jobs, session, plan, budget=budget, demo=demo)
            on_sent()


def _send(
    jobs: Jobs, session: Session, plan: BatchPlan, *, budget: Budget | None, demo: bool
) -> None:
    by_index = {c.index: c for c in plan.accepted}

    def uploads(index: int):
        return by_index[index].draft.uploads(session.image_bytes, copy_urls=demo)

    try:
        batch, runs = send_batch(jobs, plan, uploads, budget=budget)
    except BudgetExceededError as exc:
        session.refusal = str(exc)
        return
    for run in runs:
        session.runs[run.run_id] = run
    for combo in plan.accepted:
        remember_sent(jobs.store.prompts, combo.draft)
    failed = sum(1 for r in runs if r.error)
    st.toast(
        f"{batch.label}: {len(runs) - failed} submitted"
        + (f", {failed} not submitted" if failed else "")
        + ".",
        icon=":material/rocket_launch:",
    )
