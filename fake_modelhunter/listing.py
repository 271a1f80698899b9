"""`GET /tasks` query parameters and cursor pagination (contract §4.4).

Newest first; the cursor is the `created_at` of a page's last item (as in the documented
example) and the next page holds the tasks created strictly before it. The fake never gives
two tasks of one instance the same `created_at`, so the cursor is unambiguous. `total`
counts every task matching the filters, whatever the cursor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fake_modelhunter.replies import ServiceError, iso, parse_iso

__all__ = [
    "DEFAULT_LIMIT",
    "ListQuery",
    "MAX_LIMIT",
    "STATUSES",
    "paginate",
]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
STATUSES = ("pending", "queued", "running", "succeeded", "failed", "cancelled", "expired")


def _bad(message: str, field: str) -> ServiceError:
    return ServiceError(400, "INVALID_PARAMETER", message, details={"field": field})


def _date(params: Mapping[str, str], name: str) -> datetime | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        return parse_iso(text)
    except ValueError:
        raise _bad(f"{name} must be an ISO-8601 date, e.g. 2026-01-15T10:00:00Z", name) from None


@dataclass(frozen=True)
class ListQuery:
    """Filters of one list call; `matches` takes a rendered task object."""

    status: str | None = None
    provider: str | None = None
    model_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    search: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: datetime | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> ListQuery:
        """Read the query string.

        Raises:
            ServiceError: 400 `INVALID_PARAMETER` naming the bad parameter.
        """
        status = params.get("status") or None
        if status is not None and status not in STATUSES:
            raise _bad(f"status must be one of {', '.join(STATUSES)}", "status")
        raw_limit = params.get("limit")
        limit = DEFAULT_LIMIT
        if raw_limit is not None:
            try:
                limit = int(raw_limit)
            except ValueError:
                limit = 0
            if not 1 <= limit <= MAX_LIMIT:
                raise _bad(f"limit must be a whole number from 1 to {MAX_LIMIT}", "limit")
        cursor = _date(params, "cursor")
        return cls(
            status=status,
            provider=params.get("provider") or None,
            model_id=params.get("modelId") or None,
            start=_date(params, "startDate"),
            end=_date(params, "endDate"),
            search=params.get("search") or None,
            limit=limit,
            cursor=cursor,
        )

    def matches(self, created_at: datetime, task: Mapping[str, Any]) -> bool:
        """Whether a task passes every filter (the cursor excepted)."""
        return (
            (self.status is None or task["status"] == self.status)
            and (self.provider is None or task["provider"] == self.provider)
            and (self.model_id is None or task["model"] == self.model_id)
            and (self.start is None or created_at >= self.start)
            and (self.end is None or created_at <= self.end)
            and (self.search is None or str(task["id"]).startswith(self.search))
        )


def paginate(
    query: ListQuery, newest_first: Iterable[tuple[datetime, dict[str, Any]]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One page of matching tasks and the `pagination` object."""
    page: list[dict[str, Any]] = []
    total = 0
    has_more = False
    last: datetime | None = None
    for created_at, task in newest_first:
        if not query.matches(created_at, task):
            continue
        total += 1
        if query.cursor is not None and created_at >= query.cursor:
            continue
        if len(page) < query.limit:
            page.append(task)
            last = created_at
        else:
            has_more = True
    cursor = iso(last) if has_more and last is not None else None
    return page, {"cursor": cursor, "hasMore": has_more, "total": total}
