"""The Gallery's filter bar: starred, batch, model, status, date, text (and hidden on request)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from playground.curation import STATUS_GROUPS, GalleryFilter, batch_of
from playground.runs import Run
from playground.state import Keys

__all__ = ["render_filters"]


def render_filters(runs: list[Run], *, batch_names: dict[str, str] | None = None) -> GalleryFilter:
    """Draw the filters for these runs (choices come from them) and return what is chosen."""
    names = batch_names or {}
    models = sorted({r.model for r in runs})
    batches = sorted({b for r in runs if (b := batch_of(r))})
    with st.container(key="gallery_filters"):
        text, status, model, batch = st.columns([3, 2, 2, 2])
        query = text.text_input(
            "Search",
            key=Keys.FILTER_TEXT,
            placeholder="prompt, title, note or id",
            label_visibility="collapsed",
            icon=":material/search:",
        )
        statuses = status.multiselect(
            "Status",
            STATUS_GROUPS,
            key=Keys.FILTER_STATUS,
            placeholder="Any status",
            label_visibility="collapsed",
        )
        chosen_models = model.multiselect(
            "Model",
            models,
            key=Keys.FILTER_MODEL,
            placeholder="Any model",
            label_visibility="collapsed",
        )
        chosen_batch = batch.selectbox(
            "Batch",
            batches,
            index=None,
            key=Keys.FILTER_BATCH,
            placeholder="Any batch",
            format_func=lambda b: names.get(b, b),
            label_visibility="collapsed",
            disabled=not batches,
        )
        starred, hidden, dates, _ = st.columns([1, 1, 2, 3], vertical_alignment="center")
        only_starred = starred.toggle("Starred only", key=Keys.FILTER_STARRED)
        show_hidden = hidden.toggle("Show hidden", key=Keys.FILTER_HIDDEN)
        span = dates.date_input(
            "Dates",
            value=(),
            key=Keys.FILTER_DATES,
            label_visibility="collapsed",
            format="YYYY-MM-DD",
            help="Created on or between these days",
        )
    since, until = _span(span)
    return GalleryFilter(
        starred=only_starred,
        show_hidden=show_hidden,
        batch=chosen_batch,
        models=frozenset(chosen_models),
        statuses=frozenset(statuses),
        since=since,
        until=until,
        text=query or "",
    )


def _span(value: object) -> tuple[date | None, date | None]:
    if isinstance(value, date):
        return value, value
    if isinstance(value, tuple | list):
        days = [d for d in value if isinstance(d, date)]
        if len(days) == 1:
            return days[0], days[0]
        if len(days) == 2:
            return days[0], days[1]
    return None, None
