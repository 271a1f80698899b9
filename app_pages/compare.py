"""Compare 2–4 results side by side: played together, settings that differ highlighted."""

from __future__ import annotations

import streamlit as st

from components.compare_view import render_compare
from playground.compare import MAX_COMPARED, compare_label, compare_params, parse_compare
from playground.runs import Run
from playground.state import Keys, get_jobs, get_session

session = get_session()
jobs, backend = get_jobs()

st.title("Compare")
playable = [r for r in session.gallery() if r.video_file and jobs.store.video_path(r)]
linked = parse_compare(st.query_params.to_dict())
if session.person is not None:  # with sign-in, a link may name a teammate's results too
    known = {r.run_id for r in playable}
    shared = [jobs.store.get(i) for i in linked if i not in known]
    playable += [r for r in shared if r and r.deleted_at is None and jobs.store.video_path(r)]
by_id = {r.run_id: r for r in playable}


def _label(run_id: str) -> str:
    return compare_label(by_id[run_id])


wanted = [i for i in linked if i in by_id]
if wanted and st.session_state.get(Keys.COMPARE) != wanted:  # opened from a link or a batch
    st.session_state[Keys.COMPARE] = wanted
    st.session_state[Keys.COMPARE_PICK] = wanted
st.session_state.setdefault(Keys.COMPARE_PICK, [r.run_id for r in playable[:2]])
st.session_state[Keys.COMPARE_PICK] = [i for i in st.session_state[Keys.COMPARE_PICK] if i in by_id]
picked = st.multiselect(
    f"Results to compare (2–{MAX_COMPARED})",
    list(by_id),
    key=Keys.COMPARE_PICK,
    format_func=_label,
    max_selections=MAX_COMPARED,
    placeholder="Pick results with a video",
)
st.query_params.from_dict(compare_params(picked))  # the address opens this comparison


def _start_image(run: Run) -> str | None:
    start = run.images.get("image")
    if start is None:
        return None
    if start.sha256 and (path := jobs.store.image_path(start.sha256)) is not None:
        return str(path)
    return start.url


if len(playable) < 2:
    st.info("Compare needs two results with a video. Generate a few (or a batch) first.")
elif len(picked) < 2:
    st.info("Pick at least two results.")
else:
    render_compare(
        [by_id[i] for i in picked],
        jobs.store.video_path,
        _start_image,
        charged=backend.mode == "live",
    )
