"""Small helpers for what goes over the wire: ids in paths, dates, envelopes."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from .responses import Envelope

__all__ = ["aware", "envelope", "iso", "segment"]


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
