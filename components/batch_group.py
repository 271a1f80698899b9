"""Variation batches in the Gallery: one collapsed group per batch (its summary line as the
label), holding its progress, total and a tile per run; only batches with runs the Gallery's
filters show, and only those runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from components.safe import md_escape
from modelhunter.pricing import format_usd
from playground.batch_book import Batch, BatchItem, batch_totals
from playground.compare import compare_params
from playground.curation import display_title
from playground.jobs import Jobs
from playground.posters import poster_for
from playground.runs import Run

__all__ = ["render_batch_groups", "render_batches"]

SHOWN_BATCHES = 3
Shown = Callable[[Run], bool]


def _kept(batch: Batch, runs: dict[str, Run]) -> Batch:
    """The batch without the runs deleted since (they no longer count towards its progress)."""
    items = [i for i in batch.items if (r := runs.get(i.run_id)) and r.deleted_at is None]
    return batch.model_copy(update={"items": items})


def _summary(batch: Batch, runs: dict[str, Run]) -> str:
    totals = batch_totals(_kept(batch, runs), [r for r in runs.values() if r.deleted_at is None])
    return f"{totals.finished} of {totals.runs} finished · {totals.succeeded} videos" + (
        f" · {totals.failed} failed" if totals.failed else ""
    )


def _item(item: BatchItem, run: Run, poster: Callable[[Run], Path | None]) -> None:
    """One run of the batch as its own small tile: poster (or why there is none), title."""
    with st.container(border=True, key=f"batch_item_{item.run_id}"):
        image = poster(run)
        if image is not None:
            st.image(str(image), width="stretch")
        else:
            st.caption(f":material/hourglass_empty: {run.status}" if run.active else run.status)
        title = display_title(run)
        st.caption(
            f"**{md_escape(title[:60])}**  \n" + md_escape(" · ".join(item.settings.values())[:80])
        )


def _group(
    batch: Batch,
    runs: dict[str, Run],
    poster: Callable[[Run], Path | None],
    charged: bool,
    shown: Shown,
) -> None:
    spent_all = batch_totals(batch, runs.values()).spent  # money spent stays spent after a delete
    spent = f"spent {format_usd(spent_all)}" if charged else "nothing charged"
    kept = _kept(batch, runs)
    totals = batch_totals(kept, [r for r in runs.values() if r.deleted_at is None])
    summary = _summary(batch, runs)
    label = f"{batch.label} — {summary}"
    with (
        st.container(key=f"batch_{batch.batch_id}"),
        st.expander(label, icon=":material/view_module:", key=f"batch_open|{batch.batch_id}"),
    ):
        st.markdown(f"**{md_escape(batch.label)}** · quoted {format_usd(batch.total)} · {spent}")
        st.progress(totals.progress, text=summary)
        items = [(i, r) for i in kept.items if (r := runs[i.run_id]) and shown(r)]
        if len(items) < len(kept.items):
            st.caption(f"{len(items)} of {len(kept.items)} runs match the filters.")
        cols = st.columns(min(6, max(1, len(items))))
        for n, (item, run) in enumerate(items):
            with cols[n % len(cols)]:
                _item(item, run, poster)
        if batch.refused:
            st.caption(f"{len(batch.refused)} combination(s) left out: the API would refuse them.")
        done = [i.run_id for i in kept.items if runs[i.run_id].video_file]
        if len(done) >= 2:
            st.page_link(
                "app_pages/compare.py",
                label=f"Compare {min(4, len(done))} side by side",
                icon=":material/compare:",
                query_params=compare_params(done[:4]),
            )


def render_batches(
    jobs: Jobs, runs: list[Run], *, charged: bool, shown: Shown = lambda _run: True
) -> None:
    """The store's batches as groups, drawn from `runs` (the Gallery's one call)."""

    def poster(run: Run) -> Path | None:
        video = jobs.store.video_path(run)
        return poster_for(video) if video is not None else None

    render_batch_groups(jobs.store.batches.all(), runs, poster, charged=charged, shown=shown)


def render_batch_groups(
    batches: list[Batch],
    runs: list[Run],
    poster: Callable[[Run], Path | None],
    *,
    charged: bool,
    shown: Shown = lambda _run: True,
) -> None:
    """Batches with a run the filters show, newest first, each collapsed to its summary line
    (older ones on request)."""
    by_id = {r.run_id: r for r in runs}
    matching = [b for b in batches if any((r := by_id.get(i.run_id)) and shown(r) for i in b.items)]
    if not matching:
        return
    st.subheader("Batches")
    for batch in matching[:SHOWN_BATCHES]:
        _group(batch, by_id, poster, charged, shown)
    older = len(matching) - SHOWN_BATCHES
    if older > 0 and st.toggle(f"Show {older} older batches", key="older_batches"):
        for batch in matching[SHOWN_BATCHES:]:  # (expanders can't hold expanders)
            _group(batch, by_id, poster, charged, shown)
