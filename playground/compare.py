"""Compare 2–4 results: which ones (from the page address), their settings side by side
(the ones that differ apart from the ones that are the same), and how wide each plays."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from modelhunter.pricing import format_usd
from modelhunter.requests import MODE_LABELS
from playground.curation import display_title
from playground.runs import Run

__all__ = [
    "MAX_COMPARED",
    "column_weights",
    "compare_label",
    "duration",
    "compare_params",
    "facts",
    "leader",
    "parse_compare",
    "settings_rows",
]

MAX_COMPARED = 4
_RUN_ID = re.compile(r"[A-Za-z0-9_.-]{1,80}")
_RATIO = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0}


def compare_params(run_ids: list[str]) -> dict[str, str]:
    """Query parameters of the Compare page for these runs."""
    return {"runs": ",".join(run_ids[:MAX_COMPARED])}


def parse_compare(params: Mapping[str, Any]) -> list[str]:
    """Run ids from the Compare page's address (malformed ones dropped, at most 4)."""
    raw = params.get("runs")
    if isinstance(raw, list):
        raw = raw[0] if raw else ""
    ids = [part for part in str(raw or "").split(",") if _RUN_ID.fullmatch(part)]
    return list(dict.fromkeys(ids))[:MAX_COMPARED]


def compare_label(run: Run) -> str:
    """How the picker names a run: when, model, duration, mode, sound, then its title, so
    runs that differ only in duration or mode read differently."""
    when = run.created_at.astimezone().strftime("%d %b %H:%M")
    parts = [when, run.model]
    if run.request is not None:
        data = run.request.input
        parts += [f"{data.duration} s", MODE_LABELS.get(data.mode, data.mode)]
        parts.append("sound" if data.sound == "on" else "silent")
    title = display_title(run)
    return " · ".join([*parts, title[:50] + ("…" if len(title) > 50 else "")])


def duration(run: Run) -> int:
    """The clip's length in seconds, as asked for (0 when unknown)."""
    return run.request.input.duration if run.request is not None else 0


def leader(runs: list[Run]) -> int:
    """Which clip's controls drive the others: the longest (the first of equals), so no
    clip is cut short by another's loop."""
    return max(range(len(runs)), key=lambda n: (duration(runs[n]), -n))


def column_weights(runs: list[Run]) -> list[float]:
    """Widths that give every video the same height whatever its aspect ratio."""
    return [_RATIO.get(r.request.input.aspect_ratio if r.request else "16:9", 16 / 9) for r in runs]


def _flat(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict) and value and prefix != "metadata":
        for key, inner in value.items():
            _flat(f"{prefix}.{key}" if prefix else str(key), inner, out)
    elif isinstance(value, list | dict):
        out[prefix] = json.dumps(value, ensure_ascii=False)
    else:
        out[prefix] = str(value)


def _settings(run: Run) -> dict[str, str]:
    if run.request is None:
        return {}
    out: dict[str, str] = {}
    wire = run.request.wire()
    wire.get("input", {}).pop("image", None)  # shown as the start image itself
    wire.get("input", {}).pop("image_tail", None)
    metadata = {k: v for k, v in (wire.pop("metadata", None) or {}).items() if k != "client_ref"}
    if metadata:
        wire["metadata"] = metadata
    _flat("", wire, out)
    return {k.removeprefix("input."): v for k, v in out.items()}


def settings_rows(runs: list[Run]) -> tuple[list[tuple[str, list[str]]], list[tuple[str, str]]]:
    """(settings that differ: name and each run's value, settings the same: name and value);
    a setting one run lacks shows "—" for it."""
    each = [_settings(r) for r in runs]
    names = list(dict.fromkeys(name for s in each for name in s))
    differ, same = [], []
    for name in names:
        values = [s.get(name, "—") for s in each]
        if len(set(values)) > 1:
            differ.append((name, values))
        else:
            same.append((name, values[0]))
    return differ, same


def facts(run: Run, *, charged: bool) -> list[str]:
    """Price and time of a run, for the line under its video."""
    lines = [format_usd(run.price) + (" (est.)" if run.price_estimated else "")]
    if charged and run.cost is not None:
        lines.append(f"charged {format_usd(run.cost)}")
    elif not charged:
        lines.append("not charged")
    finished = run.task.completed_at if run.task else None
    if finished is not None:
        took = (finished - run.created_at).total_seconds()
        lines.append(f"took {took:.0f} s")
    return lines
