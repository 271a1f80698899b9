"""Tasks known to the API for this key: filter, page through, recover into the gallery."""

from __future__ import annotations

import streamlit as st

from components.history_extras import render_poster, render_prompt_matches, rerun
from components.phone import render_table_labels
from components.safe import md_escape
from modelhunter.errors import ApiError
from modelhunter.pricing import format_usd
from modelhunter.requests import MODEL_IDS
from modelhunter.responses import TaskPage, TaskStatus
from playground.advice import advice
from playground.history import ALL, HistoryFilters, fetch_page, own_tasks, recover
from playground.runs import Run
from playground.state import Keys, get_jobs, get_session

session = get_session()
jobs, backend = get_jobs()

COLUMNS = ("", "Task", "Prompt", "Status", "Model", "Created", "Cost", "")
st.title("History")
if backend.fake is not None:  # Demo: no key, the offline service's tasks of this browser
    st.caption("Every demo task this browser has made. Recover any into the gallery.")
elif session.person is not None:  # with sign-in: the team's key, this person's tasks
    st.caption("Every Kling task you made with the team's key. Recover any into your gallery.")
else:
    st.caption(
        "Every Kling task your key has made, as the API lists it. Recover any into the gallery."
    )

cols = st.columns([1, 1, 2, 2])
filters = HistoryFilters.from_inputs(
    cols[0].selectbox("Status", [ALL, *TaskStatus], key=Keys.HISTORY_STATUS),
    cols[1].selectbox("Model", [ALL, *MODEL_IDS], key=Keys.HISTORY_MODEL),
    cols[2].date_input("Created between", value=(), key=Keys.HISTORY_DATES),
    cols[3].text_input("Task id starts with", key=Keys.HISTORY_SEARCH, placeholder="task_…"),
)
if render_prompt_matches(session, jobs.store):  # the API can't search prompts: our runs
    st.stop()
pager = session.history
try:
    page = fetch_page(jobs, filters, pager.cursor_for(filters))
    if session.person is not None:  # a teammate's tasks are theirs
        team = jobs.store.task_ids(everyone=True)
        page = own_tasks(page, jobs.store.task_ids(), team, admin=session.person.admin)
except ApiError as exc:
    st.error(md_escape(advice(exc)), icon=":material/wifi_off:")
    page = None


def _video_missing(run: Run) -> bool:
    """A finished run of ours whose video is not on this machine: Recover fetches it again."""
    return run.status == "succeeded" and jobs.store.video_path(run) is None


def show(page: TaskPage) -> None:
    """The page of tasks with gallery marks, recover buttons and paging."""
    known = {r.task_id: r for r in session.runs.values() if r.task_id}
    total = page.pagination.total
    st.caption(
        f"Page {pager.page_number}"
        + (f" · {total} task{'s' * (total != 1)} in all" if total is not None else "")
        + " · ✓ = in your gallery"
    )
    if not page.data:
        st.info("No tasks match these filters.")
        return
    widths = [1, 2.4, 3, 1.1, 1.1, 1.6, 0.8, 1.4]
    render_table_labels(COLUMNS)  # on a phone: one labelled card per task
    for col, name in zip(st.columns(widths), COLUMNS, strict=True):
        col.caption(f"**{name}**")
    for task in page.data:
        row = st.columns(widths, vertical_alignment="center")
        render_poster(row.pop(0), known.get(task.id), jobs.store)
        row[0].text(task.id)
        # the API does not return prompts: shown for tasks this app made
        row[1].text((known[task.id].prompt[:60] if task.id in known else "") or "—")
        row[2].text(str(task.status))
        row[3].text(task.model)
        row[4].text(task.created_at.astimezone().strftime("%d %b %Y %H:%M"))
        row[5].text(format_usd(task.cost) if task.cost is not None else "—")
        if task.id in known and not _video_missing(known[task.id]):
            row[6].text("✓ in gallery")
            rerun(row[6], known[task.id], session, jobs.store)
        elif row[6].button("Recover", key=f"recover|{task.id}", icon=":material/download:"):
            try:
                run = recover(jobs, task)
            except ApiError as exc:
                st.error(md_escape(advice(exc)))
            else:
                session.runs[run.run_id] = run
                st.toast(f"{md_escape(task.id)} is in the gallery.", icon=":material/check:")
                st.rerun()

    nav = st.columns([1, 1, 6])
    if pager.page_number > 1 and nav[0].button("Newer", icon=":material/arrow_back:"):
        pager.newer()
        st.rerun()
    if page.pagination.has_more and nav[1].button("Older", icon=":material/arrow_forward:"):
        pager.older(page.pagination.cursor)
        st.rerun()


if page is not None:
    show(page)
