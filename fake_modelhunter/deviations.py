"""Realistic deviations from the documented wire format, each switched on on its own.

Real APIs drift from their docs; a client must survive that (contract §12: unknown fields,
unknown status words, list items without `metadata`, naive timestamps, 200/201 submits,
numbers as strings). `Deviations` says which drifts the fake shows; all are off by default:

- `extra_fields`: unknown fields on every object (envelope, task, result item, error, submit
  ack, list page, pagination, files, balance).
- `unknown_statuses`: status words outside §4.2: `pending` reads `queued`, `queued` reads
  `moderation`, `running` reads `processing` (the submit ack says `queued`).
- `list_without_metadata`: `GET /tasks` items have no `metadata`.
- `get_without_metadata`: `GET /tasks/{id}` has no `metadata`.
- `naive_timestamps`: timestamps (and the list cursor) without timezone,
  `2026-11-30T09:31:11.432`, UTC meant.
- `submit_status`: HTTP status of an accepted submit: 202 (documented), 200 or 201.
- `slow_submit_s`: a submit is processed (the task exists) and answered this many seconds
  late; in-process a request whose read timeout is shorter raises `httpx.ReadTimeout`.
- `no_estimated_seconds`: the submit ack has no `estimated_seconds`.
- `numbers_as_strings`: `progress`, `cost`, `estimated_seconds` and `size_bytes` as strings
  (`"46"`, `"0.504"`).
- `soft_error_every`: every Nth `GET /tasks` or `GET /tasks/{id}` is answered HTTP 200 with
  `{"success": false, "error": …}`, unprocessed (0 = never).
- `proxy_error_every`: every Nth API request is answered by a proxy's 502, unprocessed:
  a `text/html` "Bad Gateway" page or, with `proxy_error_body="empty"`, no body (0 = never).

In-process: `FakeModelHunter(deviations=Deviations(extra_fields=True))` or assign
`fake.deviations`; over HTTP (`serve(fake)`) the same object applies. Command line:
`python -m fake_modelhunter --deviate extra_fields --deviate submit_status=201`, or the
environment variable `FAKE_MODELHUNTER_DEVIATIONS="extra_fields,submit_status=201"`
(`shapes` = every body/status deviation at once).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fake_modelhunter.replies import Reply

__all__ = ["ENV_VAR", "Deviations", "shape_reply", "soft_error_reply"]

ENV_VAR = "FAKE_MODELHUNTER_DEVIATIONS"
STATUS_WORDS = {"pending": "queued", "queued": "moderation", "running": "processing"}
EXTRA_FIELDS: dict[str, Any] = {"x_region": "eu-west-1", "x_trace": {"id": "trc_0", "hops": 2}}
TIMESTAMP_KEYS = ("created_at", "started_at", "completed_at", "expires_at", "cursor")
NUMBER_KEYS = ("progress", "cost", "estimated_seconds", "size_bytes")
_SHAPES = {
    "extra_fields": True,
    "unknown_statuses": True,
    "list_without_metadata": True,
    "get_without_metadata": True,
    "naive_timestamps": True,
    "submit_status": 201,
    "no_estimated_seconds": True,
    "numbers_as_strings": True,
}


class Deviations(BaseModel):
    """Which documented behaviours the fake departs from (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    extra_fields: bool = False
    unknown_statuses: bool = False
    list_without_metadata: bool = False
    get_without_metadata: bool = False
    naive_timestamps: bool = False
    submit_status: Literal[200, 201, 202] = 202
    slow_submit_s: float = Field(default=0.0, ge=0)
    no_estimated_seconds: bool = False
    numbers_as_strings: bool = False
    soft_error_every: int = Field(default=0, ge=0)
    proxy_error_every: int = Field(default=0, ge=0)
    proxy_error_body: Literal["html", "empty"] = "html"

    @classmethod
    def shapes(cls) -> Deviations:
        """Every deviation of body shape and status at once (no slowness, no errors)."""
        return cls.model_validate(_SHAPES)

    @classmethod
    def parse(cls, text: str) -> Deviations:
        """From `"extra_fields,submit_status=201,slow_submit_s=90"`; a bare name means
        True, `shapes` switches on everything `shapes()` does.

        Raises:
            pydantic.ValidationError: an unknown name or a value out of range.
        """
        values: dict[str, Any] = {}
        for item in (part.strip() for part in text.replace(";", ",").split(",")):
            if not item:
                continue
            name, sep, value = item.partition("=")
            name = name.strip().replace("-", "_")
            if name == "shapes" and not sep:
                values.update(_SHAPES)
            else:
                values[name] = _value(value.strip()) if sep else True
        return cls.model_validate(values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Deviations:
        """From `FAKE_MODELHUNTER_DEVIATIONS` (none when unset)."""
        return cls.parse((os.environ if environ is None else environ).get(ENV_VAR, ""))

    @property
    def reshapes(self) -> bool:
        """Whether any reply body or success status is changed."""
        return any(getattr(self, name) != Deviations.model_fields[name].default for name in _SHAPES)


def _value(text: str) -> Any:
    """`201` → 201, `true` → True, `90.5` → 90.5, anything else stays text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def soft_error_reply() -> Reply:
    """HTTP 200 that says it failed: `{"success": false, "error": {...}}`."""
    payload = {
        "success": False,
        "error": {"code": "INTERNAL_ERROR", "message": "Temporary failure, please retry"},
    }
    return Reply(200, _dumps(payload), {"Content-Type": "application/json"})


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def shape_reply(deviations: Deviations, route: str, reply: Reply) -> Reply:
    """`reply` of the API handler `route` (e.g. `get_task`) as the deviations shape it."""
    if not deviations.reshapes:
        return reply
    try:
        payload = json.loads(reply.body)
    except ValueError:
        return reply
    if not isinstance(payload, dict):
        return reply
    status = reply.status
    shaper = _Shaper(deviations)
    if payload.get("success") is True:
        data = payload.get("data")
        if route == "submit":
            payload["data"] = shaper.ack(data)
            status = deviations.submit_status
        elif route in ("get_task", "cancel_task"):
            drop = route == "get_task" and deviations.get_without_metadata
            payload["data"] = shaper.task(data, drop_metadata=drop)
        elif route == "list_tasks" and isinstance(data, list):
            drop = deviations.list_without_metadata
            payload["data"] = [shaper.task(item, drop_metadata=drop) for item in data]
            payload["pagination"] = shaper.plain(payload.get("pagination"))
        else:
            payload["data"] = shaper.plain(data)
    elif isinstance(payload.get("error"), dict):
        payload["error"] = shaper.plain(payload["error"])
    return Reply(status, _dumps(shaper.plain(payload)), reply.headers)


class _Shaper:
    """Applies the body deviations to one object at a time (returns copies)."""

    def __init__(self, deviations: Deviations) -> None:
        self.d = deviations

    def plain(self, obj: Any) -> Any:
        """Extra fields, naive timestamps and numbers as strings on one object."""
        if not isinstance(obj, dict):
            return obj
        out = dict(obj)
        if self.d.naive_timestamps:
            for key in TIMESTAMP_KEYS:
                value = out.get(key)
                if isinstance(value, str) and value.endswith("Z"):
                    out[key] = value[:-1]
        if self.d.numbers_as_strings:
            for key in NUMBER_KEYS:
                value = out.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    out[key] = json.dumps(value)
        if self.d.extra_fields:
            out.update(EXTRA_FIELDS)
        return out

    def ack(self, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if self.d.no_estimated_seconds:
            data.pop("estimated_seconds", None)
        if self.d.unknown_statuses:
            data["status"] = STATUS_WORDS.get(data.get("status", ""), data.get("status"))
        return self.plain(data)

    def task(self, data: Any, *, drop_metadata: bool) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if drop_metadata:
            data.pop("metadata", None)
        if self.d.unknown_statuses:
            data["status"] = STATUS_WORDS.get(data.get("status", ""), data.get("status"))
        if isinstance(data.get("result"), list):
            data["result"] = [self.plain(item) for item in data["result"]]
        if isinstance(data.get("error"), dict):
            data["error"] = self.plain(data["error"])
        return self.plain(data)
