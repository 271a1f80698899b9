"""Costs: spend per day, per model and per batch, estimated vs charged, from the ledger."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from components.costs import render_costs
from playground.costs import cost_lines
from playground.state import daily_budget, get_jobs, get_session, get_settings

session = get_session()
jobs, backend = get_jobs()
settings = get_settings()
live = backend.mode == "live"

st.title("Costs")
whose = "you submitted" if session.person is not None else "submitted from this workspace"
st.caption(
    f"Every run {whose}, by day ({settings.budget_tz}), model and batch; "
    "deleted runs still count: money spent is not undone by deleting."
)
runs = {r.run_id: r for r in jobs.store.runs()}
lines = cost_lines(jobs.store.ledger.entries(), runs, live=live, tz=ZoneInfo(settings.budget_tz))
limit = daily_budget(jobs, settings) if live else None
render_costs(lines, live=live, daily_limit=limit)
