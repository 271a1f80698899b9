"""A redacted record of a client's recent API calls, for connection diagnostics.

Each entry holds what helps to understand a misbehaving connection and nothing secret:
method, path (never the query string, which for storage URLs carries a signature), status,
duration, the server's request id, and the unknown fields or status words its reply had.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime

import httpx
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CALL_LOG_SIZE", "CallLog", "CallRecord"]

CALL_LOG_SIZE = 50
_START = "kling_playground_started"


class CallRecord(BaseModel):
    """One request and what came back (`status` None: no reply)."""

    model_config = ConfigDict(frozen=False)

    at: datetime
    method: str
    host: str
    path: str
    status: int | None = None
    duration_ms: float | None = None
    request_id: str | None = None
    outcome: str = ""
    unknown_fields: list[str] = Field(default_factory=list)
    unknown_statuses: list[str] = Field(default_factory=list)


class CallLog:
    """The last `CALL_LOG_SIZE` calls, newest last; thread-safe; used as httpx event hooks."""

    def __init__(self, size: int = CALL_LOG_SIZE) -> None:
        self._records: deque[CallRecord] = deque(maxlen=size)
        self._lock = threading.Lock()

    def records(self) -> list[CallRecord]:
        """A copy of the log, oldest first."""
        with self._lock:
            return [r.model_copy(deep=True) for r in self._records]

    def on_request(self, request: httpx.Request) -> None:
        request.extensions[_START] = time.monotonic()

    def on_response(self, response: httpx.Response) -> None:
        request = response.request
        record = self._record(request)
        record.status = response.status_code
        record.request_id = response.headers.get("X-Request-Id")
        response.extensions["call_record"] = record

    def on_no_reply(self, request: httpx.Request, exc: BaseException) -> None:
        self._record(request).outcome = f"no reply ({type(exc).__name__})"

    def _record(self, request: httpx.Request) -> CallRecord:
        started = request.extensions.get(_START)
        record = CallRecord(
            at=datetime.now(UTC),
            method=request.method,
            host=request.url.host,
            path=request.url.path,
            duration_ms=(time.monotonic() - started) * 1000 if started else None,
        )
        with self._lock:
            self._records.append(record)
        return record

    @staticmethod
    def note(
        response: httpx.Response,
        *,
        outcome: str = "",
        unknown_fields: list[str] | None = None,
        unknown_statuses: list[str] | None = None,
    ) -> None:
        """Add what parsing the reply found to the call that produced `response`."""
        record: CallRecord | None = response.extensions.get("call_record")
        if record is None:
            return
        if outcome:
            record.outcome = outcome
        record.unknown_fields = sorted(set(unknown_fields or []))
        record.unknown_statuses = sorted(set(unknown_statuses or []))
