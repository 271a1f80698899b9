"""Typed errors for the ModelHunter API, and plain-words advice for each.

    ApiError                              base of everything this package raises
    ├── ApiStatusError                    HTTP error reply with a JSON body
    │   ├── BadRequestError               400  VALIDATION_ERROR, INVALID_/MISSING_PARAMETER
    │   ├── AuthenticationError           401  AUTH_REQUIRED, AUTH_INVALID_TOKEN, AUTH_TOKEN_EXPIRED
    │   ├── PaymentRequiredError          402
    │   │   └── InsufficientBalanceError  402  INSUFFICIENT_BALANCE
    │   ├── PermissionDeniedError         403  FORBIDDEN, KEY_PERMISSION_DENIED/_EXPIRED/_REVOKED
    │   ├── NotFoundError                 404  NOT_FOUND, MODEL_/TASK_/PROVIDER_NOT_FOUND
    │   ├── ConflictError                 409  TASK_NOT_CANCELLABLE
    │   ├── UnprocessableEntityError      422  FILE_TOO_LARGE (and validation codes)
    │   ├── RateLimitError                429  RATE_LIMIT_EXCEEDED  (+ retry_after)
    │   └── InternalServerError           5xx  INTERNAL_ERROR, PROVIDER_ERROR, PROVIDER_UNAVAILABLE
    ├── ApiConnectionError                no reply: DNS, refused, reset, TLS
    │   └── ApiTimeoutError               no reply in time
    ├── InvalidResponseError              a reply that is not the API's JSON (proxy HTML, empty)
    ├── TransferError                     upload to storage / download of a result failed
    ├── AmbiguousSubmitError              the submit POST may or may not have created a task
    ├── TaskFailedError                   the task ended `failed` (carries the task)
    └── PollTimeoutError                  (also TimeoutError) polling deadline passed

`raise_for_response()` is the one place that turns a reply into an exception: HTTP status
first, `error.code` second, unknown codes survive as the status's class. Messages never
contain the API key: anything that looks like a key or a bearer token is redacted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import httpx

from . import advice_text as text
from .retries import is_retryable_status, parse_retry_after

if TYPE_CHECKING:
    from .responses import Task, TaskError

__all__ = [
    "ERROR_CODE_STATUS",
    "AmbiguousSubmitError",
    "ApiConnectionError",
    "ApiError",
    "ApiStatusError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidResponseError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PollTimeoutError",
    "RateLimitError",
    "TaskFailedError",
    "TransferError",
    "UnprocessableEntityError",
    "advice",
    "is_transient",
    "advice_for_task_error",
    "describe_non_json",
    "invalid_response",
    "raise_for_response",
    "redact",
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

_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"),
    re.compile(r"river_[A-Za-z]+_[A-Za-z0-9]+"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with bearer tokens, `river_…` keys and the given secrets replaced by `[redacted]`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _SECRET_PATTERNS[0].sub(r"\1[redacted]", text)
    return _SECRET_PATTERNS[1].sub("[redacted]", text)


class ApiError(Exception):
    """Base class of every error raised by this package."""

    def __init__(self, message: str) -> None:
        self.message = redact(message)
        super().__init__(self.message)


class ApiStatusError(ApiError):
    """The API answered with an HTTP error status and a JSON body."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.details = details
        self.request_id = request_id
        self.body = body
        self.retry_after = retry_after

    def __str__(self) -> str:
        label = f"HTTP {self.status_code}" + (f" {self.code}" if self.code else "")
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"{label}: {self.message}{rid}"


class BadRequestError(ApiStatusError):
    status_code: Literal[400]


class AuthenticationError(ApiStatusError):
    status_code: Literal[401]


class PaymentRequiredError(ApiStatusError):
    status_code: Literal[402]


class InsufficientBalanceError(PaymentRequiredError):
    pass


class PermissionDeniedError(ApiStatusError):
    status_code: Literal[403]


class NotFoundError(ApiStatusError):
    status_code: Literal[404]


class ConflictError(ApiStatusError):
    status_code: Literal[409]


class UnprocessableEntityError(ApiStatusError):
    status_code: Literal[422]


class RateLimitError(ApiStatusError):
    """429; `retry_after` holds the server's `Retry-After` in seconds when it sent one."""

    status_code: Literal[429]


class InternalServerError(ApiStatusError):
    """Any 5xx with a JSON body."""


class ApiConnectionError(ApiError):
    """No HTTP reply at all: DNS failure, connection refused or reset, TLS error."""


class ApiTimeoutError(ApiConnectionError):
    """No reply within the timeout."""


class InvalidResponseError(ApiError):
    """A reply that is not the API's JSON: a proxy's HTML page, an empty body, wrong shape."""

    def __init__(
        self, message: str, *, status_code: int | None = None, request_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id


class TransferError(ApiError):
    """Uploading to the presigned storage URL or downloading a result failed.

    `url` is never kept: presigned addresses carry signatures; `host` says where it went.
    """

    def __init__(
        self,
        message: str,
        *,
        direction: Literal["upload", "download"],
        status_code: int | None = None,
        host: str = "",
    ) -> None:
        super().__init__(message)
        self.direction = direction
        self.status_code = status_code
        self.host = host


class AmbiguousSubmitError(ApiError):
    """The submit POST may or may not have created a task (and been charged).

    Never resubmit blindly: look the task up by `client_ref` first
    (`Client.find_by_client_ref`). `status_code` is set when a reply did arrive (5xx).
    """

    def __init__(
        self, message: str, *, client_ref: str | None, status_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.client_ref = client_ref
        self.status_code = status_code


class TaskFailedError(ApiError):
    """The task finished with status `failed`; `task.error` says why."""

    def __init__(self, task: Task) -> None:
        reason = f"{task.error.code}: {task.error.message}" if task.error else "no reason given"
        super().__init__(f"Task {task.id} failed ({reason})")
        self.task = task


class PollTimeoutError(ApiError, TimeoutError):
    """The task was still not finished when the polling deadline passed."""

    def __init__(self, task_id: str, deadline_s: float, last: Task | None = None) -> None:
        status = f", last status {last.status}" if last is not None else ""
        super().__init__(f"Task {task_id} not finished after {deadline_s:g} s{status}")
        self.task_id = task_id
        self.deadline_s = deadline_s
        self.last = last


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


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat[:SNIPPET_CHARS] + ("…" if len(flat) > SNIPPET_CHARS else "")


def describe_non_json(response: httpx.Response) -> str:
    """A short description of a reply body that is not JSON, for error messages."""
    text = response.text if response.content else ""
    if not text.strip():
        return "an empty body"
    ctype = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    kind = "an HTML page" if "html" in ctype or text.lstrip().startswith("<") else ctype
    return f"{kind} instead of JSON: {_snippet(text)!r}"


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


_CLASS_ADVICE: tuple[tuple[type[ApiError], str], ...] = (
    (InsufficientBalanceError, text.CODE_ADVICE["INSUFFICIENT_BALANCE"]),
    (PaymentRequiredError, text.PAYMENT),
    (AuthenticationError, text.AUTH),
    (PermissionDeniedError, text.PERMISSION),
    (NotFoundError, text.NOT_FOUND),
    (ConflictError, text.CONFLICT),
    (RateLimitError, text.CODE_ADVICE["RATE_LIMIT_EXCEEDED"]),
    (BadRequestError, text.BAD_REQUEST),
    (UnprocessableEntityError, text.UNPROCESSABLE),
    (InternalServerError, text.SERVER),
    (ApiStatusError, text.OTHER_STATUS),
    (ApiTimeoutError, text.TIMEOUT),
    (ApiConnectionError, text.CONNECTION),
    (AmbiguousSubmitError, text.AMBIGUOUS_SUBMIT),
    (PollTimeoutError, text.POLL_TIMEOUT),
)
_FIELD_CODES = frozenset({"VALIDATION_ERROR", "INVALID_PARAMETER", "MISSING_PARAMETER"})


def _details_hint(details: dict[str, Any] | None) -> str:
    if not details:
        return ""
    field, reason = details.get("field"), details.get("reason")
    if field and reason:
        return f" ({field}: {_snippet(str(reason))})"
    return f" (field: {field})" if field else ""


def _status_advice(err: ApiStatusError) -> str:
    advice_text = text.CODE_ADVICE.get(err.code or "") or next(
        t for cls, t in _CLASS_ADVICE if isinstance(err, cls)
    )
    if isinstance(err, RateLimitError) and err.retry_after:
        advice_text = text.RATE_LIMIT_WAIT.format(seconds=err.retry_after)
    if err.code in _FIELD_CODES or isinstance(err, BadRequestError | UnprocessableEntityError):
        advice_text += redact(_details_hint(err.details))
    return advice_text


def _transfer_advice(err: TransferError) -> str:
    if err.direction == "upload":
        return text.UPLOAD_REFUSED if err.status_code in (401, 403) else text.UPLOAD_FAILED
    if err.status_code in (401, 403, 404, 410):
        return text.RESULT_LINK_EXPIRED
    return text.DOWNLOAD_FAILED


def is_transient(exc: BaseException) -> bool:
    """Trouble that passes: worth another try later, and proof of nothing (the one definition,
    used by polling and the app's jobs; the client's retries use its status rule).

    Network trouble; an error reply whose status says "try later" (408, 429, 5xx); a reply
    that could not be read or a transfer that failed, with such a status or none at all.
    """
    if isinstance(exc, ApiConnectionError):
        return True
    if isinstance(exc, InvalidResponseError | TransferError):
        return exc.status_code is None or is_retryable_status(exc.status_code)
    if isinstance(exc, ApiStatusError):
        return is_retryable_status(exc.status_code)
    return False


def advice(err: BaseException) -> str:
    """What happened and what to do, in plain words, for any error this package raises."""
    if isinstance(err, TaskFailedError):
        return advice_for_task_error(err.task.error)
    if isinstance(err, InvalidResponseError):
        proxy = err.status_code is not None and is_retryable_status(err.status_code)
        return text.PROXY_ERROR_PAGE if proxy else text.UNREADABLE_REPLY
    if isinstance(err, TransferError):
        return _transfer_advice(err)
    if isinstance(err, ApiStatusError):
        return _status_advice(err)
    return next((t for cls, t in _CLASS_ADVICE if isinstance(err, cls)), text.UNKNOWN)


def advice_for_task_error(error: TaskError | None) -> str:
    """Advice for a task that ended `failed`, from its `error` object."""
    if error is None:
        return text.TASK_NO_REASON
    if error.code == "PROVIDER_ERROR":
        message = error.message.lower()
        moderated = any(word in message for word in text.MODERATION_WORDS)
        return text.TASK_MODERATION if moderated else text.TASK_PROVIDER
    return text.CODE_ADVICE.get(error.code, text.TASK_FALLBACK)
