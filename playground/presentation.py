"""What a presentation shows, carried in its URL (`present?runs=…`, `?starred=1`, `?batch=…`).

The URL names the selection, never the key; `ws` names a Demo workspace as result links do
(`playground/result_links.py`), so the same URL opens on a meeting-room screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from playground.curation import batch_of
from playground.result_links import WS_PARAM, shareable
from playground.runs import Run

__all__ = [
    "GRID_SIZES",
    "MAX_LINKED_RUNS",
    "Selection",
    "clip_seconds",
    "parse_selection",
    "select_runs",
    "selection_params",
    "step",
]

GRID_SIZES = (1, 2, 3, 4)
MAX_LINKED_RUNS = 60  # picked runs named in one URL (a longer list would not fit every browser)
DEFAULT_CLIP_S = 5


class Selection(BaseModel):
    """Starred results, one batch, or results picked by id (in this order)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["starred", "batch", "runs"] = "starred"
    batch: str | None = None
    run_ids: tuple[str, ...] = ()
    workspace: str | None = None
    grid: int = 1


def selection_params(selection: Selection) -> dict[str, str]:
    """The query parameters of a presentation's URL."""
    params: dict[str, str] = {}
    if selection.kind == "runs":
        params["runs"] = ",".join(selection.run_ids[:MAX_LINKED_RUNS])
    elif selection.kind == "batch" and selection.batch:
        params["batch"] = selection.batch
    else:
        params["starred"] = "1"
    if selection.grid != 1:
        params["grid"] = str(selection.grid)
    if selection.workspace and shareable(selection.workspace):
        params[WS_PARAM] = selection.workspace
    return params


def _get(params: Mapping[str, object], name: str) -> str:
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def parse_selection(params: Mapping[str, object]) -> Selection:
    """The selection a URL asks for (starred results when it names none)."""
    grid = _get(params, "grid")
    size = int(grid) if grid.isdigit() and int(grid) in GRID_SIZES else 1
    ws = _get(params, WS_PARAM)
    workspace = ws if shareable(ws) else None
    ids = tuple(i for i in _get(params, "runs").split(",") if i)[:MAX_LINKED_RUNS]
    if ids:
        return Selection(kind="runs", run_ids=ids, workspace=workspace, grid=size)
    if batch := _get(params, "batch"):
        return Selection(kind="batch", batch=batch, workspace=workspace, grid=size)
    return Selection(workspace=workspace, grid=size)


def select_runs(selection: Selection, runs: list[Run]) -> list[Run]:
    """The results to show, oldest first (picked ones in the order picked); videos only.

    `runs` come newest first, as the store lists them.
    """
    playable = [r for r in runs if r.video_file and r.deleted_at is None]
    if selection.kind == "runs":
        by_id = {r.run_id: r for r in playable}
        return [by_id[i] for i in selection.run_ids if i in by_id]
    if selection.kind == "batch":
        chosen = [r for r in playable if batch_of(r) == selection.batch]
    else:
        chosen = [r for r in playable if r.starred and not r.hidden]
    return sorted(reversed(chosen), key=lambda r: r.created_at)  # ties: first saved first


def step(index: int, by: int, count: int) -> int:
    """The next (or previous, `by` < 0) position, wrapping around at either end."""
    return (index + by) % count if count else 0


def clip_seconds(run: Run) -> int:
    """How long a slideshow stays on a clip: its duration."""
    if run.request is not None:
        return int(run.request.input.duration or DEFAULT_CLIP_S)
    return DEFAULT_CLIP_S
