"""Variations: what to vary, the table of every combination with its price and the total,
and one button that sends the batch (reserved all or nothing on a Live key)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

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

__all__ = ["SHORT_MODELS", "WILL_SEND", "render_batch_panel", "variations_from_state"]

DURATIONS = (3, 5, 8, 10, 15)
SHORT_MODELS = {"kling-v3": "v3", "kling-v2-6": "v2.6"}  # chips stay readable when narrow
WILL_SEND = "Will send"
_ROW_PX, _ROWS_SHOWN = 35, 16  # st.dataframe's row height; rows shown before it scrolls
_WIDTHS = {"Prompt": 260, "Negative prompt": 180, "Model": 90, "Mode": 80, "Duration": 110}


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
    cols[0].multiselect(
        "Models",
        MODEL_IDS,
        key=Keys.BATCH_MODELS,
        format_func=SHORT_MODELS.get,
        placeholder="The form's",
    )
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
    cols[0].multiselect(
        "Sound",
        ["off", "on"],
        key=Keys.BATCH_SOUNDS,
        format_func=str.capitalize,
        placeholder="The form's",
    )
    cols[1].multiselect(
        "Aspect ratios", ASPECT_RATIOS, key=Keys.BATCH_ASPECTS, placeholder="The form's"
    )
    cols[2].number_input("Takes of each", 1, MAX_TAKES, 1, key=Keys.BATCH_TAKES)


def _send_column(plan: BatchPlan, blocked: bool, sent: bool) -> list[str]:
    """Per combination: will it be sent when Send is pressed, and if not, why."""
    accepted = "sent" if sent else "no: over the budget" if blocked else "yes"
    return [accepted if c.request is not None else f"no: {c.refusal}" for c in plan.combinations]


def _table(plan: BatchPlan, *, blocked: bool, sent: bool) -> None:
    """Every combination: its settings (a note where the model changes the form's value),
    price and whether it will be sent; readable at 1440 px (the panel spans the page)."""
    rows = [
        {
            "#": c.index,
            **c.settings,
            "Price": (format_usd(c.price) + (" (est.)" if c.price_estimated else ""))
            if c.price is not None
            else "—",
            WILL_SEND: send,
        }
        for c, send in zip(plan.combinations, _send_column(plan, blocked, sent), strict=True)
    ]
    import pandas as pd  # here, not at the top: the first page starts 0.4 s sooner

    config: dict[str, Any] = {
        "#": st.column_config.NumberColumn(width=36),
        "Price": st.column_config.TextColumn(width=96),
        WILL_SEND: st.column_config.TextColumn(width=150 if plan.refused or blocked else 80),
    }
    for title in plan.columns:
        config[title] = st.column_config.TextColumn(width=_WIDTHS.get(title, 120))
    st.dataframe(
        pd.DataFrame(rows, columns=["#", *plan.columns, "Price", WILL_SEND]),
        hide_index=True,
        width="stretch",
        height=_ROW_PX * (min(len(rows), _ROWS_SHOWN) + 1) + 3,  # up to 16 rows, no scrolling
        key="batch_table",
        column_config=config,
    )
    if plan.refused:  # the reasons in full, not cut by the column
        st.caption(
            "Left out: "
            + "; ".join(f"#{c.index}: {md_escape(c.refusal or '')}" for c in plan.refused)
        )


def _send_again() -> None:
    st.session_state.pop(Keys.BATCH_SENT, None)


def _plan_key(session: Session, variations: Variations) -> str:
    """What a batch was made of (the form and the variations): the same key, the same batch."""
    body = session.draft.model_dump_json() + variations.model_dump_json()
    return hashlib.sha256(body.encode()).hexdigest()


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
    budget, and blocked here when their total does not fit. A batch is sent once: Send is
    off after it until the form or the variations change (or "Send it again")."""
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
        total = format_usd(plan.total) + (" (est.)" if plan.estimated else "")
        count = len(plan.accepted)
        refused = len(plan.refused)
        blocked = (
            standing.refusal(plan.total, what="This batch")
            if standing is not None and count
            else None
        )
        key = _plan_key(session, variations)
        sent = st.session_state.get(Keys.BATCH_SENT)
        already = isinstance(sent, dict) and sent.get("key") == key
        _table(plan, blocked=blocked is not None, sent=already)
        st.markdown(
            f"**Total: {total}** for {count} run{'s' * (count != 1)}"
            + (f" · {refused} left out (the API would refuse them)" if refused else "")
            + (" · Demo: nothing is charged" if demo else "")
        )
        if blocked:
            st.error(md_escape(blocked) + " Nothing will be sent.", icon=":material/savings:")
        clicked = st.button(
            f"Send {count} run{'s' * (count != 1)} · {total}",
            type="primary",
            key=Keys.BATCH_SEND,
            disabled=not count or blocked is not None or already,
            icon=":material/send:",
        )
        if refusal := st.session_state.pop(Keys.BATCH_REFUSAL, None):
            st.error(md_escape(refusal), icon=":material/savings:")
        if already:
            note, again = st.columns([4, 1], vertical_alignment="center")
            note.caption(
                f"Sent: {md_escape(sent.get('label', 'this batch'))} (see below and in the "
                "Gallery). Change the form or the variations to send another batch."
            )
            again.button("Send it again", key=Keys.BATCH_AGAIN, on_click=_send_again)
        # A second click sends nothing: once this run marks the plan sent, the next draws Send
        # disabled (and Streamlit drops a click on a disabled button), and this check stops a
        # click that still reaches a run
        if clicked and count and blocked is None and not already:
            with st.spinner(f"Submitting {count} runs…"):
                _send(jobs, session, plan, key, budget=budget, demo=demo)
            on_sent()


def _send(
    jobs: Jobs,
    session: Session,
    plan: BatchPlan,
    key: str,
    *,
    budget: Budget | None,
    demo: bool,
) -> None:
    """Send the plan, marked sent (`key`) before anything goes out: no Streamlit call comes
    between the mark and the submits, so a rerun cannot stop this run in between."""
    by_index = {c.index: c for c in plan.accepted}

    def uploads(index: int):
        return by_index[index].draft.uploads(session.image_bytes, copy_urls=demo)

    mark = {"key": key, "label": f"Batch of {len(plan.accepted)}"}
    st.session_state[Keys.BATCH_SENT] = mark
    try:
        batch, runs = send_batch(jobs, plan, uploads, budget=budget)
    except BudgetExceededError as exc:  # nothing was sent
        st.session_state.pop(Keys.BATCH_SENT, None)
        st.session_state[Keys.BATCH_REFUSAL] = str(exc)
        return
    mark["label"] = batch.label
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
