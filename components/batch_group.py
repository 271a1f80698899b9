"""Variation batches in the Gallery: one group per batch, with its progress, total and runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from components.safe import md_escape
from modelhunter.pricing import format_usd
from playground.batch_book import Batch, batch_totals
from playground.compare import compare_params
from playground.jobs import Jobs
from playground.posters import poster_for
from playground.runs import Run

__all__ = ["render_batch_groups", "render_batches"]

SHOWN_BATCHES = 3


def _group(
    batch: Batch,
    runs: dict[str, Run],
    poster: Callable[[Run], Path | None],
    charged: bool,
) -> None:
    totals = batch_totals(batch, runs.values())
    spent = f"spent {format_usd(totals.spent)}" if charged else "nothing charged"
    with st.container(border=True, key=f"batch_{batch.batch_id}"):
        st.markdown(f"**{md_escape(batch.label)}** · quoted {format_usd(totals.quoted)} · {spent}")
        st.progress(
            totals.progress,
            text=f"{totals.finished} of {totals.runs} finished · {totals.succeeded} videos"
            + (f" · {totals.failed} failed" if totals.failed else ""),
        )
        cols = st.columns(min(6, max(1, len(batch.items))))
        for n, item in enumerate(batch.items):
            run = runs.get(item.run_id)
            with cols[n % len(cols)]:
                image = poster(run) if run is not None else None
                if image is not None:
                    st.image(str(image), width="stretch")
                else:
                    st.caption(run.status if run is not None else "not found")
                st.caption(md_escape(" · ".join(item.settings.values())[:80]))
        if batch.refused:
            st.caption(f"{len(batch.refused)} combination(s) left out: the API would refuse them.")
        done = [i.run_id for i in batch.items if (r := runs.get(i.run_id)) and r.video_file]
        if len(done) >= 2:
            st.page_link(
                "app_pages/compare.py",
                label=f"Compare {min(4, len(done))} side by side",
                icon=":material/compare:",
                query_params=compare_params(done[:4]),
            )


def render_batches(jobs: Jobs, runs: list[Run], *, charged: bool) -> None:
    """The store's batches as groups, drawn from `runs` (the Gallery's one call)."""

    def poster(run: Run) -> Path | None:
        video = jobs.store.video_path(run)
        return poster_for(video) if video is not None else None

    render_batch_groups(jobs.store.batches.all(), runs, poster, charged=charged)


def render_batch_groups(
    batches: list[Batch],
    runs: list[Run],
    poster: Callable[[Run], Path | None],
    *,
    charged: bool,
) -> None:
    """The newest batches as groups above the grid (older ones behind an expander)."""
    if not batches:
        return
    by_id = {r.run_id: r for r in runs}
    st.subheader("Batches")
    for batch in batches[:SHOWN_BATCHES]:
        _group(batch, by_id, poster, charged)
    if len(batches) > SHOWN_BATCHES:
        with st.expander(f"{len(batches) - SHOWN_BATCHES} older batches", key="older_batches"):
            for batch in batches[SHOWN_BATCHES:]:
                _group(batch, by_id, poster, charged)
