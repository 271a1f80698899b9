"""What happened and what to do, in plain words, for any error `modelhunter` raises.

The API package raises typed errors and stays free of UI wording; this module picks the
text a person reads (`playground.advice_text`) for each of them. Pure: no streamlit.
"""

from __future__ import annotations

from typing import Any

from modelhunter.error_replies import snippet
from modelhunter.errors import (
    AmbiguousSubmitError,
    ApiConnectionError,
    ApiError,
    ApiStatusError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidResponseError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    PollTimeoutError,
    RateLimitError,
    TaskFailedError,
    TransferError,
    UnprocessableEntityError,
    redact,
)
from modelhunter.responses import TaskError
from modelhunter.retries import is_retryable_status
from playground import advice_text as text

__all__ = ["advice", "advice_for_task_error"]

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
        return f" ({field}: {snippet(str(reason))})"
    return f" (field: {field})" if field else ""


def _status_advice(err: ApiStatusError) -> str:
    said = text.CODE_ADVICE.get(err.code or "") or next(
        t for cls, t in _CLASS_ADVICE if isinstance(err, cls)
    )
    if isinstance(err, RateLimitError) and err.retry_after:
        said = text.RATE_LIMIT_WAIT.format(seconds=err.retry_after)
    if err.code in _FIELD_CODES or isinstance(err, BadRequestError | UnprocessableEntityError):
        said += redact(_details_hint(err.details))
    return said


def _transfer_advice(err: TransferError) -> str:
    if err.direction == "upload":
        return text.UPLOAD_REFUSED if err.status_code in (401, 403) else text.UPLOAD_FAILED
    if err.status_code in (401, 403, 404, 410):
        return text.RESULT_LINK_EXPIRED
    return text.DOWNLOAD_FAILED


def advice(err: BaseException) -> str:
    """What happened and what to do, in plain words, for any error `modelhunter` raises."""
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
