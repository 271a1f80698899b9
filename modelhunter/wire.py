"""Small helpers for what goes over the wire: ids in paths, dates, envelopes."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from .responses import Envelope

__all__ = ["aware", "envelope", "iso", "segment", "submit_body", "submit_json"]


@functools.cache
def envelope(model: type[BaseModel]) -> type[Envelope[Any]]:
    """`Envelope[model]`, built once: pydantic re-creates parametrized classes after GC."""
    return Envelope[model]  # type: ignore[valid-type]


def iso(value: datetime | str | None) -> str | None:
    """ISO-8601 in UTC with a `Z`; naive datetimes are taken as UTC."""
    if value is None or isinstance(value, str):
        return value
    return aware(value).astimezone(UTC).isoformat().replace("+00:00", "Z")


def aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def segment(value: str) -> str:
    """One URL path segment, so an id can never change the path."""
    if not value:
        raise ValueError("An id must not be empty.")
    return quote(value, safe="")


def submit_json(request: BaseModel) -> dict[str, Any]:
    """The submit body as JSON data: contract casing, unset (None) fields left out."""
    return request.model_dump(mode="json", by_alias=True, exclude_none=True)


def submit_body(request: BaseModel) -> bytes:
    """The exact bytes `Client.submit` posts (UTF-8, no spaces, non-ASCII unescaped).

    Copy-as-code shows these same bytes, so a snippet sends what the app sends.
    """
    return json.dumps(
        submit_json(request), ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")
