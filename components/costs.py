"""The cost view: totals, a chart of estimated vs charged per day / model / batch, a table, CSV."""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import pandas as pd
import streamlit as st

from modelhunter.pricing import format_usd
from playground.costs import CostLine, CostRow, by_group, lines_csv, total
from playground.state import Keys

__all__ = ["GROUPINGS", "render_costs"]

GROUPINGS = {"Day": "day", "Model": "model", "Batch": "batch"}


def _table(rows: list[CostRow], overall: CostRow, live: bool) -> pd.DataFrame:
    data = [
        {
            "": row.group,
            "Runs": row.runs,
            "Estimated": format_usd(row.estimated),
            "Charged": format_usd(row.charged) if live else "not charged",
            **({"Still running": format_usd(row.in_progress)} if live else {}),
        }
        for row in [*rows, overall]
    ]
    return pd.DataFrame(data)


def _chart(rows: list[CostRow], by: str, live: bool, daily_limit: Decimal | None) -> alt.LayerChart:
    kinds = ["Estimated", "Charged"] if live else ["Estimated"]
    long = pd.DataFrame(
        [
            {
                by: row.group,
                "Amount": kind,
                "USD": float(row.estimated if kind == "Estimated" else row.charged),
            }
            for row in rows
            for kind in kinds
        ]
    )
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(f"{by}:N", title=None, sort=None),
            xOffset=alt.XOffset("Amount:N", sort=kinds),
            y=alt.Y("USD:Q", title="USD"),
            color=alt.Color("Amount:N", sort=kinds, legend=alt.Legend(orient="top", title=None)),
            tooltip=[f"{by}:N", "Amount:N", alt.Tooltip("USD:Q", format="$.3f")],
        )
    )
    layers: list[alt.Chart] = [bars]
    if daily_limit is not None:  # Live, per day: the daily budget as a line
        rule = pd.DataFrame(
            {"USD": [float(daily_limit)], "label": [f"daily budget {format_usd(daily_limit)}"]}
        )
        layers.append(
            alt.Chart(rule).mark_rule(color="#e45756", strokeDash=[6, 4], size=2).encode(y="USD:Q")
        )
        layers.append(
            alt.Chart(rule)
            .mark_text(align="left", dx=4, dy=-6, color="#e45756")
            .encode(y="USD:Q", text="label:N")
        )
    return alt.layer(*layers).properties(height=320)


def render_costs(
    lines: list[CostLine], *, live: bool, daily_limit: Decimal | None, people: bool = False
) -> None:
    """Everything about the money of these runs (`daily_limit`: Live mode's budget line;
    `people`: the team's runs, also grouped by person)."""
    overall = total(lines)
    cols = st.columns(3 if live else 2)
    cols[0].metric("Runs", overall.runs)
    cols[1].metric("Estimated", format_usd(overall.estimated))
    if live:
        cols[2].metric(
            "Charged",
            format_usd(overall.charged),
            help="Settled runs; runs still going are counted at their price until they end.",
        )
    else:
        st.caption(
            "Demo and Sandbox charge nothing: these are the prices the runs would have cost."
        )
    if not lines:
        st.info("No runs submitted yet: spend appears here once you generate.")
        return
    grouping = (
        st.segmented_control(
            "Group by",
            list(groupings := {"Person": "owner", **GROUPINGS} if people else GROUPINGS),
            key=Keys.COSTS_GROUP,
            default="Person" if people else "Day",
        )
        or "Day"
    )
    field = groupings[grouping]
    rows = by_group(lines, lambda ln: getattr(ln, field))
    line_at = daily_limit if live and field == "day" else None
    st.altair_chart(_chart(rows, grouping, live, line_at), width="stretch")
    if line_at is not None:
        st.caption(f"The dashed line is the daily budget: {format_usd(line_at)} (today's amount).")
    st.dataframe(_table(rows, overall, live), hide_index=True, width="stretch")
    st.download_button(
        "Download CSV",
        lines_csv(lines, people=people),
        file_name="kling-team-costs.csv" if people else "kling-costs.csv",
        mime="text/csv",
        key=Keys.COSTS_CSV,
        icon=":material/download:",
        on_click="ignore",
    )
