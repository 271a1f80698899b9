"""Kling Playground: page config, navigation and the sidebar shared by every page."""

from __future__ import annotations

import functools

import streamlit as st

from components.browser import remember_browser
from components.connection import render_check_line
from components.phone import render_phone_css
from components.sidebar import render_sidebar, render_spend
from components.sign_in import render_person, sign_in_gate
from components.store_outage import check_store, store_guard
from playground.heap import freeze_imports
from playground.state import (
    Keys,
    active_key,
    budget_standing,
    connection_status,
    daily_budget,
    get_jobs,
    get_session,
    get_settings,
    set_daily_budget,
)

# 🎬 by its shortcode: the browser draws the same emoji, and the server skips loading
# Streamlit's emoji catalog to recognise it (≈ 60 ms CPU at the first page of a process)
st.set_page_config(page_title="Kling Playground", page_icon=":clapper:", layout="wide")

settings = get_settings()
session = get_session()
person = sign_in_gate(session, settings)  # with sign-in configured: nobody else gets past
check_store(session, settings)  # the data folder can't be used: banner, sidebar, videos; stops
jobs, backend = get_jobs()
live = backend.mode == "live"
spend_slot = render_sidebar(
    session,
    settings,
    backend.mode,
    active_key(settings, session),
    daily_budget=daily_budget(jobs, settings) if live else None,
    on_budget=functools.partial(set_daily_budget, jobs, settings),
    team=person is not None,
)
if person is not None:
    render_person(person, can_sign_out=not settings.trusted_user_header)

with st.sidebar:  # the key is checked when it comes into use (GET /balance)
    check_slot = st.empty()  # filled after the page: a run charged on it shows in the balance
    remember_browser()  # Demo workspace and the saved draft belong to this browser
    render_phone_css(Keys.SUBMIT)  # on a phone: Generate (and its price) always at hand

TEAM_PAGE = st.Page("app_pages/team.py", title="Team", icon=":material/groups:", url_path="team")
page = st.navigation(
    [
        st.Page("app_pages/generate.py", title="Generate", icon=":material/movie:", default=True),
        st.Page(
            "app_pages/gallery.py",
            title="Gallery",
            icon=":material/video_library:",
            url_path="gallery",
        ),
        st.Page(
            "app_pages/history.py", title="History", icon=":material/history:", url_path="history"
        ),
        st.Page(
            "app_pages/compare.py", title="Compare", icon=":material/compare:", url_path="compare"
        ),
        st.Page("app_pages/costs.py", title="Costs", icon=":material/payments:", url_path="costs"),
        st.Page(
            "app_pages/present.py",
            title="Present",
            icon=":material/co_present:",
            url_path="present",
        ),
        st.Page(
            "app_pages/connection.py",
            title="Connection",
            icon=":material/network_check:",
            url_path="connection",
        ),
        *([TEAM_PAGE] if person is not None and person.admin else []),
    ]
)
with store_guard(session, settings):  # a store failure mid-page: the same banner, no crash
    page.run()
standing = budget_standing(jobs, settings) if live else None
render_spend(spend_slot, standing, settings)
with check_slot.container():
    render_check_line(connection_status(backend, spent=standing.month if standing else None))
freeze_imports()  # the full GC pass Streamlit makes after each run skips the imports' objects
