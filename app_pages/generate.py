"""The playground: model, schema-driven form, image previews, live price, submit, live runs."""

from __future__ import annotations

import functools
import time

import streamlit as st

from components.image_input import render_image_input
from components.live_runs import render_live_runs, render_session_runs, run_actions
from components.model_picker import render_model_picker, render_paid_confirmation
from components.price import current_quote, render_price
from components.safe import md_escape
from components.schema_form import render_problems, render_schema_form
from modelhunter.requests import KlingV3Request, KlingV26Request
from playground.budget import Budget, needs_confirmation
from playground.form_schema import DEVELOPER_GROUP
from playground.state import (
    Keys,
    budget_standing,
    get_jobs,
    get_session,
    get_settings,
    keep_draft,
)
from playground.submission import check_form, fingerprint, submit_draft

settings = get_settings()
session = get_session()
jobs, backend = get_jobs()
draft = session.draft


actions = run_actions(jobs, session)


def _submit(request: KlingV3Request | KlingV26Request) -> None:
    if session.is_double_click(fingerprint(request, draft), time.monotonic()):
        st.toast("Already submitted — it is in progress below.", icon=":material/info:")
        return
    outcome = submit_draft(
        jobs,
        draft,
        request,
        session.image_bytes,
        budget=Budget.from_settings(settings) if backend.mode == "live" else None,
        copy_url_images=backend.fake is not None,
    )
    session.refusal = outcome.refusal  # shown below Submit, also after the dialog's rerun
    if outcome.run is not None:
        session.runs[outcome.run.run_id] = outcome.run
    if outcome.toast is not None:
        st.toast(md_escape(outcome.toast[0]), icon=outcome.toast[1])


session.form_refilled = False  # this full run draws the refilled form
st.title("Generate a video")
st.caption("Animate an image with Kling. The price is shown before anything is spent.")

render_model_picker(draft)

check = check_form(draft, refused=session.image_errors)
request = check.request
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
        check.by_field,
        key=Keys.FORM,
        image_widget=image_widget,
        generation=session.form_generation,
    )
    hidden = check.advanced_problems
    # keyed: it stays open when its problem count (its label) changes
    with st.expander(
        DEVELOPER_GROUP + (f" · {hidden} problem{'s' * (hidden > 1)}" if hidden else ""),
        key=Keys.DEVELOPERS,
        icon=":material/code:",
    ):
        st.caption("Voices, elements, webhook and metadata. Not needed to make a video.")
        render_schema_form(
            draft,
            check.by_field,
            key=Keys.FORM,
            image_widget=image_widget,
            group=DEVELOPER_GROUP,
            generation=session.form_generation,
        )

keep_draft(jobs, session)  # a refresh brings this form back (this browser only)

with side:
    quote = current_quote(draft.model, values)
    render_price(quote, backend.mode)
    paid = backend.mode == "live"  # only live keys spend
    blocked = check.blocked(quote, budget_standing(jobs, settings) if paid else None)
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
    render_problems(check.unplaced)
    if clicked and request is not None and not confirm:
        with st.spinner("Uploading images and submitting…"):
            _submit(request)
    if request is not None and quote is not None:
        pay = functools.partial(_submit, request)
        render_paid_confirmation(quote.label, pay, ask=clicked and confirm)
    if session.refusal:
        st.error(md_escape(session.refusal), icon=":material/savings:")
        session.refusal = None

    runs = functools.partial(
        render_session_runs, session, jobs.store.video_path, actions, charged=paid
    )
    render_live_runs(jobs, session, demo=backend.fake is not None, draw=runs)
