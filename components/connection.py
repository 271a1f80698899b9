"""The key check and the redacted log of recent API calls."""

from __future__ import annotations

import streamlit as st

from components.safe import md_escape
from modelhunter.calllog import CallRecord
from modelhunter.pricing import format_usd
from playground.connection import ConnectionCheck

__all__ = ["render_call_log", "render_check", "render_check_line"]


def render_check_line(check: ConnectionCheck | None) -> None:
    """One line for the sidebar: the key works, or why not."""
    if check is None:
        return
    balance = f" · balance {format_usd(check.balance)}" if check.balance is not None else ""
    if check.ok:
        st.caption(f":green[●] {md_escape(check.message)}{balance}")
    else:
        st.caption(f":red[●] {md_escape(check.message)}")


def render_check(check: ConnectionCheck) -> None:
    """The check in full: outcome, base URL, balance and billing mode."""
    if check.ok:
        st.success(md_escape(check.message), icon=":material/check_circle:")
    else:
        st.error(md_escape(check.message), icon=":material/error:")
    cols = st.columns(3)
    cols[0].metric("Balance", format_usd(check.balance) if check.balance is not None else "—")
    cols[1].metric("Billing mode", check.billing_mode or "—")
    cols[2].metric("Checked", f"{check.checked_at:%H:%M:%S} UTC")
    st.caption(f"Base URL: `{check.base_url}`")


def _row(record: CallRecord) -> dict[str, str]:
    return {
        "time (UTC)": f"{record.at:%H:%M:%S}",
        "request": f"{record.method} {record.path}",
        "host": record.host,
        "status": str(record.status) if record.status is not None else "—",
        "ms": f"{record.duration_ms:.0f}" if record.duration_ms is not None else "—",
        "request id": record.request_id or "—",
        "notes": "; ".join(
            part
            for part in (
                record.outcome,
                "unknown fields: " + ", ".join(record.unknown_fields)
                if record.unknown_fields
                else "",
                "status words: " + ", ".join(record.unknown_statuses)
                if record.unknown_statuses
                else "",
            )
            if part
        ),
    }


def render_call_log(records: list[CallRecord]) -> None:
    """A table of the calls, newest first (plain text cells: nothing is rendered as markup)."""
    if not records:
        st.caption("No API calls yet in this session.")
        return
    st.dataframe([_row(r) for r in reversed(records)], hide_index=True, width="stretch")
