"""The playground: model, schema-driven form, image previews, live price, submit, live runs."""

from __future__ import annotations

import time

import streamlit as st

from components.gallery import render_result_card
from components.image_input import render_image_input
from components.live_runs import render_live_runs, run_actions
from components.price import current_quote, render_price
from components.safe import md_escape
from components.schema_form import render_problems, render_schema_form
from components.task_card import render_status
from modelhunter.requests import MODEL_IDS, KlingV3Request, KlingV26Request
from modelhunter.validation import check_request
from playground.budget import Budget, BudgetExceededError, needs_confirmation
from playground.form_schema import form_fields, form_problems
from playground.state import (
    Keys,
    budget_standing,
    get_jobs,
    get_session,
    get_settings,
)

MODEL_LABELS = {
    "kling-v3": "Kling v3 · per second · 3–15 s",
    "kling-v2-6": "Kling v2.6 · per video · 5 or 10 s",
}

settings = get_settings()
session = get_session()
jobs, backend = get_jobs()
draft = session.draft


def _choose_model() -> None:
    draft.model = st.session_state[Keys.MODEL]


actions = run_actions(jobs, session)


def _draw_runs() -> None:
    """Runs in progress, then the latest results (the live-runs fragment redraws these)."""
    active = session.active()
    if active:
        st.subheader("In progress")
        for run in active:
            with st.container(border=True, key=f"active_{run.run_id}"):
                st.caption(md_escape(run.prompt[:80]) or "(no prompt)")
                render_status(run, actions)
    recent = [r for r in session.gallery() if not r.active][:2]
    if recent:
        st.subheader("Latest results")
        for run in recent:
            render_result_card(
                run, jobs.store.video_path(run), actions, charged=backend.mode == "live"
            )


def _submit(request: KlingV3Request | KlingV26Request) -> None:
    images = sorted(c.sha256 or c.url or "" for c in draft.images.values())
    fingerprint = request.model_dump_json() + "".join(images)
    if session.is_double_click(fingerprint, time.monotonic()):
        st.toast("Already submitted — it is in progress below.", icon=":material/info:")
        return
    budget = Budget.from_settings(settings) if backend.mode == "live" else None
    try:
        # Demo mode cannot fetch URLs: send it the copy we fetched for the preview instead
        uploads = draft.uploads(session.image_bytes, copy_urls=backend.fake is not None)
        run = jobs.submit(request, uploads, budget=budget)
    except BudgetExceededError as exc:  # another tab or process spent it meanwhile
        session.refusal = str(exc)  # shown below Submit, also after the dialog's rerun
        return
    session.runs[run.run_id] = run
    if run.error:
        st.toast(f"Not submitted: {md_escape(run.error)}", icon=":material/error:")
    else:
        st.toast("Submitted — follow it below.", icon=":material/rocket_launch:")


@st.dialog("Confirm a paid run", on_dismiss=lambda: st.session_state.pop(Keys.CONFIRMING, None))
def _confirm_paid_run(request: KlingV3Request | KlingV26Request, price: str) -> None:
    st.write(f"This run costs **{price}** on your live key.")
    pay, cancel = st.columns(2)
    if pay.button("Pay and generate", type="primary", key=Keys.CONFIRM_PAY):
        st.session_state.pop(Keys.CONFIRMING, None)
        _submit(request)
        st.rerun()
    if cancel.button("Cancel", key=Keys.CONFIRM_CANCEL):
        st.session_state.pop(Keys.CONFIRMING, None)
        st.rerun()


session.form_refilled = False  # this full run draws the refilled form
st.title("Generate a video")
st.caption("Animate an image with Kling. The price is shown before anything is spent.")

st.session_state.setdefault(Keys.MODEL, draft.model)
st.segmented_control(
    "Model",
    MODEL_IDS,
    key=Keys.MODEL,
    required=True,
    format_func=MODEL_LABELS.get,
    on_change=_choose_model,
)

request, problem_list = check_request(draft.body())
if form_only := form_problems(draft.values):  # e.g. no room left for our client_ref
    request, problem_list = None, [*problem_list, *form_only]
problems: dict[str, list[str]] = {}
for problem in problem_list:
    problems.setdefault(problem.key, []).append(problem.message)
if "image" not in draft.images:
    problems.pop("input.image", None)  # not shouted before the user did anything; see Submit
values = draft.effective()
aspect = str(values.get("input.aspect_ratio", "16:9"))

form, side = st.columns([3, 2], gap="large")
with form:

    def image_widget(spec):
        render_image_input(
            spec, session, aspect_ratio=aspect, key=f"img|{spec.name}|{session.form_generation}"
        )

    render_schema_form(
        draft,
        problems,
        key=Keys.FORM,
        image_widget=image_widget,
        generation=session.form_generation,
    )
    advanced = {f.path for f in form_fields(draft.model) if f.group == "Advanced"}
    hidden = sum(1 for p in problem_list if any(p.key.startswith(a) for a in advanced))
    with st.expander(f"Advanced · {hidden} problem{'s' * (hidden > 1)}" if hidden else "Advanced"):
        render_schema_form(
            draft,
            problems,
            key=Keys.FORM,
            image_widget=image_widget,
            group="Advanced",
            generation=session.form_generation,
        )

with side:
    quote = current_quote(draft.model, values)
    render_price(quote, backend.mode)
    blocked = None
    if problem_list:
        count = len(problem_list)
        listed = " · ".join(p.message for p in problem_list[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        blocked = f"Fix {count} problem{'s' * (count > 1)} first: {listed}{more}"
    elif quote is not None and backend.mode == "live":  # only live keys spend
        blocked = budget_standing(jobs, settings).refusal(quote.total)
    confirm = quote is not None and needs_confirmation(
        backend.mode, quote.total, settings.confirm_above_usd
    )
    clicked = st.button(
        "Generate" + (f" · {quote.label}" if quote else ""),
        type="primary",
        disabled=blocked is not None,
        icon=":material/auto_awesome:",
        key=Keys.SUBMIT,
        width="stretch",
    )
    if blocked:
        st.caption(md_escape(blocked))
    unplaced = [p for p in problem_list if p.key in ("", "model")]
    render_problems([p.message for p in unplaced])
    if clicked and request is not None:
        if confirm:
            st.session_state[Keys.CONFIRMING] = True  # the dialog stays open across reruns
        else:
            with st.spinner("Uploading images and submitting…"):
                _submit(request)
    if st.session_state.get(Keys.CONFIRMING) and request is not None and quote is not None:
        _confirm_paid_run(request, quote.label)
    if session.refusal:
        st.error(md_escape(session.refusal), icon=":material/savings:")
        session.refusal = None

    render_live_runs(jobs, session, demo=backend.fake is not None, draw=_draw_runs)
