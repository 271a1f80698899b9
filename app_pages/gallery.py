"""Every result of this workspace, newest first: filters, curation, present, export, links.

`gallery?run=<id>` (a result link) shows that one run alone instead.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.batch_group import render_batches
from components.curation import Curation, announce_undoable, render_undo
from components.gallery import render_gallery
from components.gallery_filters import render_filters
from components.live_runs import render_live_runs, run_actions
from components.share import app_root, render_linked_run, render_result_link, render_selection_bar
from playground.curation import CurationRefused, Curator, batch_names, still_undoable
from playground.export import export_to_folder
from playground.posters import poster_for
from playground.result_links import find_run, link_params, parse_link
from playground.runs import Run
from playground.state import Keys, get_jobs, get_session, get_settings

session = get_session()
jobs, backend = get_jobs()
settings = get_settings()
scope = session.scope or ""

link = parse_link(st.query_params.to_dict())
if link is not None:  # a result link: that run alone, with its settings and start image
    found = find_run(link, scope, jobs.store, settings.data_dir)
    if found is None:
        st.title("Result not found")
        st.warning(
            "This result can't be opened here: it was deleted, or it belongs to a workspace "
            "this browser can't reach (a Sandbox or Live result needs the same key)."
        )
        st.page_link("app_pages/gallery.py", label="Show the gallery", icon=":material/grid_view:")
    else:
        run, store = found
        start = run.images.get("image")
        image = store.image_path(start.sha256) if start and start.sha256 else None
        own = store is jobs.store and run.run_id in session.runs  # not a teammate's
        render_linked_run(run, store.video_path(run), image, own=own)
    st.stop()

actions = run_actions(jobs, session)
curator = Curator(jobs.store, session.runs, jobs.now)
curator.purge()  # deleted longer ago than the undo window: files removed for good
picked: set[str] = st.session_state.setdefault(Keys.PICKED, set())

st.title("Gallery")
everything = session.gallery()  # deleted runs (kept for Undo) are not in it
filters = render_filters(everything, batch_names=batch_names(jobs.store.batches.all()))


def _pick(run_id: str, on: bool) -> None:
    (picked.add if on else picked.discard)(run_id)


def _ask_delete(run_id: str | None) -> None:
    st.session_state[Keys.CONFIRM_DELETE] = run_id


def _delete(run_id: str) -> None:
    try:
        run = curator.delete(run_id)
        picked.discard(run_id)
        announce_undoable(run, "deleted")
    except CurationRefused as refused:
        st.toast(str(refused), icon=":material/block:")


def _hide(run_id: str, on: bool) -> None:
    run = curator.hide(run_id, on)
    if on:
        announce_undoable(run, "hidden")


def _open(run: Run) -> None:
    session.gallery_selected = run.run_id


def _export(runs: list[Run]) -> Path:
    folder = jobs.store.dir / "exports"
    live = backend.mode == "live"
    return export_to_folder(
        runs, jobs.store, folder, live=live, label=f"{len(runs)} results", now=jobs.now()
    )


def _draw() -> None:
    alive = session.gallery()  # once per draw, in the fragment: current after a delete or hide
    videos = sum(1 for r in alive if r.video_file)
    n = len(alive)
    count = f"{n} run{'s' * (n != 1)} · {videos} video{'s' * (videos != 1)}"
    st.caption(f"{count} · kept on this machine across restarts")
    just = still_undoable(st.session_state.get(Keys.UNDO_SLOTS, {}), session.runs)
    st.session_state[Keys.UNDO_SLOTS] = just
    just = {k: v for k, v in just.items() if not filters.matches(session.runs[k])}  # else shown
    curation = Curation(
        star=curator.star,
        hide=_hide,
        delete=_delete,
        undo=curator.undo,
        rename=curator.rename,
        note=curator.set_note,
        pick=_pick,
        picked=frozenset(picked),
        confirming=st.session_state.get(Keys.CONFIRM_DELETE),
        ask_delete=_ask_delete,
        just=just,
    )
    newest = sorted(session.runs.values(), key=lambda r: r.created_at, reverse=True)
    runs = [r for r in newest if filters.matches(r) or r.run_id in just]  # just gone: Undo tile
    shown = [r for r in runs if r.run_id not in just]
    render_batches(jobs, alive, charged=backend.mode == "live", shown=filters.matches)
    chosen = [r for r in alive if r.run_id in picked]
    render_selection_bar(
        chosen, shown, batch=filters.batch, scope=scope, export=_export, on_clear=picked.clear
    )
    if not runs and everything:
        st.info("No result matches these filters.")
        return
    root = app_root(st.context.url, "gallery")
    render_gallery(
        runs,
        jobs.store.video_path,
        poster_for,
        actions,
        selected=session.selected_run(shown),
        on_open=_open,
        charged=backend.mode == "live",
        curation=curation,
        below_card=lambda run: render_result_link(link_params(run.run_id, scope), root),
    )
    render_undo([r for r in curator.undoable() if r.run_id not in just], curation, key="undo")


render_live_runs(
    jobs,
    session,
    demo=backend.fake is not None,
    draw=_draw,
    on_refilled=lambda: st.switch_page("app_pages/generate.py"),  # Re-run: go to the form
)
