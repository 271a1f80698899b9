"""This browser's id cookie: written once from the page, read by the server from then on."""

from __future__ import annotations

import streamlit as st

from playground.identity import cookie_script
from playground.state import get_browser_id

__all__ = ["remember_browser"]


def remember_browser() -> None:
    """Write the browser's id into its cookie when the cookie does not hold it yet."""
    browser, unsaved = get_browser_id()
    if unsaved:  # the id is ours (32 hex digits): nothing of the user's goes into the script
        st.html(cookie_script(browser), unsafe_allow_javascript=True)
