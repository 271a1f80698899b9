"""Typed Python package for the ModelHunter.AI Kling image-to-video API (no UI code).

from modelhunter import Client, parse_request, quote
with Client(key) as client:
    ack = client.submit(parse_request(body))
"""

from __future__ import annotations

from modelhunter.client import DEFAULT_BASE_URL, Client, mask_key
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
)
from modelhunter.pricing import NoPriceError, PriceQuote, format_usd, price_for, quote
from modelhunter.requests import (
    KlingRequest,
    KlingV3Request,
    KlingV26Request,
    parse_request,
    request_class,
)
from modelhunter.responses import (
    TERMINAL,
    Balance,
    SubmitAck,
    Task,
    TaskPage,
    TaskStatus,
    UploadedFile,
)
from modelhunter.validation import Problem, check_request

__all__ = [
    "AmbiguousSubmitError",
    "ApiConnectionError",
    "ApiError",
    "ApiStatusError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "Balance",
    "Client",
    "ConflictError",
    "DEFAULT_BASE_URL",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidResponseError",
    "KlingRequest",
    "KlingV26Request",
    "KlingV3Request",
    "NoPriceError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PollTimeoutError",
    "PriceQuote",
    "Problem",
    "RateLimitError",
    "SubmitAck",
    "TERMINAL",
    "Task",
    "TaskFailedError",
    "TaskPage",
    "TaskStatus",
    "TransferError",
    "UnprocessableEntityError",
    "UploadedFile",
    "check_request",
    "format_usd",
    "mask_key",
    "parse_request",
    "price_for",
    "quote",
    "request_class",
]
