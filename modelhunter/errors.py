"""Typed errors for the ModelHunter API (what the app tells people lives in `playground.advice`).

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

`modelhunter.error_replies.raise_for_response()` is the one place that turns a reply into
one of these: HTTP status first, `error.code` second, unknown codes survive as the status's
class. Messages never contain the API key: anything that looks like a key or a bearer token
is redacted (`redact`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from .keys import KEY_IN_TEXT
from .retries import is_retryable_status

if TYPE_CHECKING:
    from .responses import Task

__all__ = [
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
    "is_transient",
    "redact",
]

_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with bearer tokens, `river_…` keys and the given secrets replaced by `[redacted]`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _BEARER.sub(r"\1[redacted]", text)
    return KEY_IN_TEXT.sub("[redacted]", text)


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
