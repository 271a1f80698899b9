"""The playground: model, schema-driven form, image previews, live price, submit, live runs."""

from __future__ import annotations

import functools
import time

import streamlit as st

from components import experiment
from components.batch_panel import render_batch_panel
from components.image_input import check_new_uploads, input_key, render_image_input
from components.live_runs import render_live_runs, run_actions
from components.model_picker import render_model_picker, render_paid_confirmation
from components.price import current_quote, render_price
from components.prompt_tools import render_prompt_tools
from components.safe import md_escape
from components.schema_form import render_form_sections, render_problems
from components.share_tools import apply_link, next_run_id, render_link_notes
from modelhunter.requests import KlingV3Request, KlingV26Request
from playground.budget import Budget, needs_confirmation
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
apply_link(session)  # a settings link fills the form once
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
        run_id=next_run_id(),  # the client_ref "Copy as code" shows
    )
    experiment.after_submit(jobs, draft, outcome.run)
    session.refusal = outcome.refusal  # shown below Submit, also after the dialog's rerun
    if outcome.run is not None:
        session.runs[outcome.run.run_id] = outcome.run
    # said next to Generate: a toast would follow the user to the next page
    session.submitted = outcome.toast


session.form_refilled = False  # this full run draws the refilled form
st.title("Generate a video")
st.caption("Animate an image with Kling. The price is shown before anything is spent.")
render_link_notes()  # what a settings link or file left out, until dismissed

render_model_picker(draft)

experiment.sticky_panel()
paid = backend.mode == "live"  # only live keys spend
form, side = st.columns([3, 2], gap="large")
check_new_uploads(session, form)  # a file just chosen: this run's form already has it
check = check_form(draft, refused=session.image_errors)
request = check.request
values = draft.effective()
aspect = str(values.get("input.aspect_ratio", "16:9"))

# the side panel before the form in script order: its deltas (the new price) go out first
with side, st.container(key=experiment.SIDE_PANEL, border=True):
    quote = current_quote(draft.model, values)
    render_price(quote, backend.mode)
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
        shortcut=experiment.GENERATE_SHORTCUT,  # also from inside the prompt box
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
    if session.submitted:
        st.info(md_escape(session.submitted[0]), icon=session.submitted[1])
        session.submitted = None
    experiment.render_side_tools(
        session, request, backend.client.base_url, demo=backend.fake is not None
    )

with form:
    render_prompt_tools(jobs.store.prompts, session)

    def image_widget(spec):
        render_image_input(
            spec, session, aspect_ratio=aspect, key=input_key(spec.name, session.form_generation)
        )

    render_form_sections(
        draft,
        check.by_field,
        key=Keys.FORM,
        image_widget=image_widget,
        generation=session.form_generation,
        developer_problems=check.advanced_problems,
        developer_key=Keys.DEVELOPERS,
    )

keep_draft(jobs, session)  # a refresh brings this form back (this browser only)

# under the form, the page's full width: the table of combinations needs it
render_batch_panel(jobs, session, settings, live=paid, demo=backend.fake is not None)

runs = functools.partial(
    experiment.render_results, session, jobs.store.video_path, actions, charged=paid
)
render_live_runs(jobs, session, demo=backend.fake is not None, draw=runs)
