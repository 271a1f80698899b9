"""An HTTP reply -> the typed error of `modelhunter.errors`, in one place.

HTTP status first, `error.code` second; unknown codes survive as the status's class; a
reply that is not the API's JSON (a proxy's HTML page, an empty body) is an
`InvalidResponseError`. Messages are redacted: no key or bearer token gets through.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from .errors import (
    ApiStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidResponseError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    redact,
)
from .retries import parse_retry_after

__all__ = [
    "ERROR_CODE_STATUS",
    "REQUEST_ID_HEADER",
    "describe_non_json",
    "invalid_response",
    "raise_for_response",
    "snippet",
]

REQUEST_ID_HEADER = "X-Request-Id"
SNIPPET_CHARS = 120
_NOT_JSON: Any = object()

# Every documented code with its HTTP status (contract §1, §6; §12 names the undocumented ones).
ERROR_CODE_STATUS: dict[str, int] = {
    "VALIDATION_ERROR": 400,
    "INVALID_PARAMETER": 400,
    "MISSING_PARAMETER": 400,
    "AUTH_REQUIRED": 401,
    "AUTH_INVALID_TOKEN": 401,
    "AUTH_TOKEN_EXPIRED": 401,
    "INSUFFICIENT_BALANCE": 402,
    "FORBIDDEN": 403,
    "KEY_PERMISSION_DENIED": 403,
    "KEY_EXPIRED": 403,
    "KEY_REVOKED": 403,
    "NOT_FOUND": 404,
    "MODEL_NOT_FOUND": 404,
    "TASK_NOT_FOUND": 404,
    "PROVIDER_NOT_FOUND": 404,
    "TASK_NOT_CANCELLABLE": 409,
    "FILE_TOO_LARGE": 422,
    "RATE_LIMIT_EXCEEDED": 429,
    "INTERNAL_ERROR": 500,
    "PROVIDER_ERROR": 502,
    "PROVIDER_UNAVAILABLE": 503,
}


_STATUS_CLASSES: dict[int, type[ApiStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _class_for(status: int, code: str | None) -> type[ApiStatusError]:
    """HTTP status first; the code only refines (402) or fills in for unmapped statuses."""
    if status in _STATUS_CLASSES:
        cls = _STATUS_CLASSES[status]
        if cls is PaymentRequiredError and code == "INSUFFICIENT_BALANCE":
            return InsufficientBalanceError
        return cls
    if status >= 500:
        return InternalServerError
    if code in ERROR_CODE_STATUS:
        return _class_for(ERROR_CODE_STATUS[code], code)
    return ApiStatusError


def snippet(text: str) -> str:
    """`text` on one line, cut to `SNIPPET_CHARS` with an ellipsis."""
    flat = " ".join(text.split())
    return flat[:SNIPPET_CHARS] + ("…" if len(flat) > SNIPPET_CHARS else "")


def describe_non_json(response: httpx.Response) -> str:
    """A short description of a reply body that is not JSON, for error messages."""
    text = response.text if response.content else ""
    if not text.strip():
        return "an empty body"
    ctype = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    kind = "an HTML page" if "html" in ctype or text.lstrip().startswith("<") else ctype
    return f"{kind} instead of JSON: {snippet(text)!r}"


def invalid_response(
    response: httpx.Response, *, secrets: Iterable[str] = ()
) -> InvalidResponseError:
    """The error for a reply whose body is not the API's JSON."""
    message = redact(
        f"The API answered HTTP {response.status_code} with {describe_non_json(response)}",
        secrets,
    )
    return InvalidResponseError(
        message,
        status_code=response.status_code,
        request_id=response.headers.get(REQUEST_ID_HEADER),
    )


def _error_fields(body: Any) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """(code, message, details) from the envelope, tolerating non-envelope JSON."""
    if not isinstance(body, dict):
        return None, None, None
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message")
        details = error.get("details")
    else:
        code, message, details = body.get("code"), body.get("message"), body.get("details")
        if isinstance(error, str) and message is None:
            message = error
    return (
        code if isinstance(code, str) else None,
        str(message) if message is not None else None,
        details if isinstance(details, dict) else None,
    )


def raise_for_response(response: httpx.Response, *, secrets: Iterable[str] = ()) -> None:
    """Raise the typed error for an API reply; return quietly for a success.

    A 2xx whose JSON body says `"success": false` is treated as an error too.

    Raises:
        ApiStatusError: (a subclass by status, then code) for an error reply with a JSON body.
        InvalidResponseError: for an error reply whose body is not JSON (HTML, empty).
    """
    status = response.status_code
    try:
        body = json.loads(response.content) if response.content else None
    except (ValueError, UnicodeDecodeError):
        body = _NOT_JSON
    failed_envelope = isinstance(body, dict) and body.get("success") is False
    if 200 <= status < 300 and not failed_envelope:
        return
    if body is _NOT_JSON or body is None:
        raise invalid_response(response, secrets=secrets)
    code, message, details = _error_fields(body)
    effective = status if status >= 300 else ERROR_CODE_STATUS.get(code or "", status)
    cls = _class_for(effective, code)
    raise cls(
        redact(message or f"HTTP {status}", secrets),
        status_code=status,
        code=code,
        details=details,
        request_id=response.headers.get(REQUEST_ID_HEADER),
        body=body,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )
