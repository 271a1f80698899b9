"""Result links: `gallery?run=<run id>` opens one run alone, with its settings and start image.

A run is found by its id plus its workspace (store scope). A link never carries the key, nor
anything derived from it:

- Demo workspaces (one per browser, `playground/identity.py`) hold no secret, so a link to a
  Demo run names its workspace (`ws=demo-…`) and opens in any browser of the same deployment
  (view only when it is not the viewer's own).
- A key's workspace (Sandbox, Live) is reachable only by a browser using that same key: the one
  configured on the server (every browser of the deployment) or typed into the sidebar. Its
  links carry just the run id and are looked up in the viewer's own workspace.
- With sign-in, the team shares one workspace: a teammate's link opens there, view only.

Presentation links (`present?runs=…`) follow the same rule for `ws`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from playground.identity import is_workspace_scope
from playground.runs import Run
from playground.store import Store

__all__ = [
    "RUN_PARAM",
    "WS_PARAM",
    "ResultLink",
    "find_run",
    "open_workspace",
    "link_params",
    "parse_link",
    "shareable",
    "workspace_for",
]

RUN_PARAM = "run"
WS_PARAM = "ws"
_RUN_ID = re.compile(r"[A-Za-z0-9_.-]{1,80}")


class ResultLink(BaseModel):
    """What a result link asks for."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    workspace: str | None = None


def shareable(scope: str | None) -> bool:
    """True for a Demo workspace (`playground/identity.py`), the only kind a link may name."""
    return is_workspace_scope(scope) and str(scope).startswith("demo")


def link_params(run_id: str, scope: str | None) -> dict[str, str]:
    """Query parameters of a run's link (the workspace only when it may be shared)."""
    params = {RUN_PARAM: run_id}
    if scope is not None and shareable(scope):
        params[WS_PARAM] = scope
    return params


def _first(params: Mapping[str, object], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None


def parse_link(params: Mapping[str, object]) -> ResultLink | None:
    """The link in these query parameters; None when there is none or it is malformed."""
    run_id = _first(params, RUN_PARAM)
    if run_id is None or not _RUN_ID.fullmatch(run_id):
        return None
    workspace = _first(params, WS_PARAM)
    return ResultLink(run_id=run_id, workspace=workspace if shareable(workspace) else None)


def workspace_for(link_ws: str | None, own_scope: str, data_dir: Path) -> str | None:
    """The workspace to look in: a named Demo workspace that exists, else the viewer's own.

    None when the link names a Demo workspace that is not on this deployment (nothing is
    created for a link).
    """
    if link_ws is None or link_ws == own_scope:
        return own_scope
    if shareable(link_ws) and (data_dir / link_ws).is_dir():
        return link_ws
    return None


def open_workspace(
    link_ws: str | None, own_scope: str, own_store: Store, data_dir: Path
) -> Store | None:
    """The store a link points into (the viewer's own, or an existing Demo workspace)."""
    scope = workspace_for(link_ws, own_scope, data_dir)
    if scope is None:
        return None
    if scope == own_scope:
        return own_store
    return Store(data_dir, scope, database_url=own_store.db.url if own_store.db.shared else None)


def find_run(
    link: ResultLink, own_scope: str, own_store: Store, data_dir: Path
) -> tuple[Run, Store] | None:
    """The linked run and the store holding its files; None when it can't be reached here."""
    store = open_workspace(link.workspace, own_scope, own_store, data_dir)
    run = store.get(link.run_id) if store is not None else None
    if store is None or run is None or run.deleted_at is not None:
        return None
    return run, store
