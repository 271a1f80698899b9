"""Connection: is the key good, where do requests go, and what did the API answer lately."""

from __future__ import annotations

import streamlit as st

from components.connection import render_call_log, render_check
from playground.state import connection_status, get_jobs

jobs, backend = get_jobs()

st.title("Connection")
if backend.mode == "demo":
    st.info(
        "Demo mode: requests go to the offline ModelHunter inside this app, nothing leaves "
        "this machine. Add a key in the sidebar to use the real API.",
        icon=":material/science:",
    )
else:
    check = connection_status(backend, recheck=st.button("Check again", icon=":material/refresh:"))
    if check is not None:
        render_check(check)
st.subheader("This session's last API calls")
st.caption(
    "Newest first. The key is never shown; paths only (no query strings, which may carry "
    "signatures). Unknown fields and status words are what the API sent beyond its docs."
)
render_call_log(jobs.client.calls.records())
