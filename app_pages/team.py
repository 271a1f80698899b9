"""Team (admins only, with sign-in): budgets per person and for the team, spend by person,
day and model, CSV."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from components.costs import render_costs
from components.team_budgets import render_people, render_team_budget
from playground.costs import cost_lines
from playground.state import get_jobs, get_session, get_settings

session = get_session()
settings = get_settings()
person = session.person
if person is None or not person.admin:
    st.error("Only the team's admins can open this page.", icon=":material/lock:")
    st.stop()
jobs, backend = get_jobs()
live = backend.mode == "live"
store = jobs.store

st.title("Team")
st.caption(
    "Budgets and spend of everyone signed in to this workspace. Every paid run is reserved "
    "against its person's budget and the team's at once, on every app replica."
)
render_team_budget(store.ledger, settings, jobs.now())
render_people(store, settings, jobs.now())

st.subheader("Spend")
runs = {r.run_id: r for r in store.runs(everyone=True)}
entries = store.ledger.entries(everyone=True)
lines = cost_lines(entries, runs, live=live, tz=ZoneInfo(settings.budget_tz))
render_costs(lines, live=live, daily_limit=None, people=True)
