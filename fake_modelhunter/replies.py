"""Reply values and the body shapes the fake answers with.

API routes answer with the contract envelope (`{"success": false, "error": {...}}`); the
storage and CDN hosts answer errors the way object storage does, in XML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from xml.sax.saxutils import escape

__all__ = [
    "Reply",
    "STATUS_CODES",
    "ServiceError",
    "error_reply",
    "html_reply",
    "iso",
    "ok",
    "parse_iso",
    "storage_error",
]

# Error code used when a fault or a generic status needs one (contract §6 and §12).
STATUS_CODES: dict[int, str] = {
    400: "INVALID_PARAMETER",
    401: "AUTH_INVALID_TOKEN",
    402: "INSUFFICIENT_BALANCE",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    422: "UNPROCESSABLE_ENTITY",
    429: "RATE_LIMIT_EXCEEDED",
    500: "INTERNAL_ERROR",
    502: "PROVIDER_ERROR",
    503: "PROVIDER_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


@dataclass(frozen=True)
class Reply:
    """An HTTP reply independent of the server framework (httpx or ASGI)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON (for tests and logs)."""
        return json.loads(self.body)


class ServiceError(Exception):
    """Raised inside a handler to answer with the API error envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def reply(self) -> Reply:
        return error_reply(
            self.status, self.code, self.message, details=self.details, headers=self.headers
        )


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(payload, default=_default, separators=(",", ":")).encode()
    return Reply(status, body, {"Content-Type": "application/json", **(headers or {})})


def ok(data: Any, status: int = 200, **extra: Any) -> Reply:
    """`{"success": true, "data": data, **extra}`."""
    return _json(status, {"success": True, "data": data, **extra})


def error_reply(
    status: int,
    code: str | None = None,
    message: str | None = None,
    *,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """The contract's error envelope."""
    error: dict[str, Any] = {
        "code": code or STATUS_CODES.get(status, "ERROR"),
        "message": message or _phrase(status),
    }
    if details is not None:
        error["details"] = details
    return _json(status, {"success": False, "error": error}, headers)


def html_reply(status: int, headers: dict[str, str] | None = None) -> Reply:
    """What a proxy in front of the API sends: a small HTML page, not JSON."""
    body = f"<html><body>{status} {_phrase(status)}</body></html>".encode()
    return Reply(status, body, {"Content-Type": "text/html", **(headers or {})})


def storage_error(status: int, code: str, message: str) -> Reply:
    """An object-storage style XML error (S3/R2 shape)."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    ).encode()
    return Reply(status, body, {"Content-Type": "application/xml"})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def iso(moment: datetime) -> str:
    """`2026-01-15T10:00:00Z`, with milliseconds only when there are some."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def parse_iso(text: str) -> datetime:
    """An ISO-8601 date or datetime; naive values are UTC.

    Raises:
        ValueError: not ISO-8601.
    """
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
