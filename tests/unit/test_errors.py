"""Error mapping: status first, code second; non-JSON bodies; the advice the app shows for
each error (`playground.advice`); no key in messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelhunter.error_replies import ERROR_CODE_STATUS, raise_for_response
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
from modelhunter.responses import Task, TaskError
from modelhunter.retries import parse_retry_after
from playground.advice import advice, advice_for_task_error

KEY = "river_live_" + "0123456789abcdef" + "ABCDEF0123456789"  # built, not a literal key

EXPECTED_CLASS: dict[str, type[ApiStatusError]] = {
    "VALIDATION_ERROR": BadRequestError,
    "INVALID_PARAMETER": BadRequestError,
    "MISSING_PARAMETER": BadRequestError,
    "AUTH_REQUIRED": AuthenticationError,
    "AUTH_INVALID_TOKEN": AuthenticationError,
    "AUTH_TOKEN_EXPIRED": AuthenticationError,
    "INSUFFICIENT_BALANCE": InsufficientBalanceError,
    "FORBIDDEN": PermissionDeniedError,
    "KEY_PERMISSION_DENIED": PermissionDeniedError,
    "KEY_EXPIRED": PermissionDeniedError,
    "KEY_REVOKED": PermissionDeniedError,
    "NOT_FOUND": NotFoundError,
    "MODEL_NOT_FOUND": NotFoundError,
    "TASK_NOT_FOUND": NotFoundError,
    "PROVIDER_NOT_FOUND": NotFoundError,
    "TASK_NOT_CANCELLABLE": ConflictError,
    "FILE_TOO_LARGE": UnprocessableEntityError,
    "RATE_LIMIT_EXCEEDED": RateLimitError,
    "INTERNAL_ERROR": InternalServerError,
    "PROVIDER_ERROR": InternalServerError,
    "PROVIDER_UNAVAILABLE": InternalServerError,
}

FAMILIES: dict[str, list[str]] = {
    "auth": ["AUTH_REQUIRED", "AUTH_INVALID_TOKEN", "AUTH_TOKEN_EXPIRED"],
    "permission": ["FORBIDDEN", "KEY_PERMISSION_DENIED", "KEY_EXPIRED", "KEY_REVOKED"],
    "balance": ["INSUFFICIENT_BALANCE"],
    "validation": ["VALIDATION_ERROR", "INVALID_PARAMETER", "MISSING_PARAMETER"],
    "not found": ["NOT_FOUND", "MODEL_NOT_FOUND", "TASK_NOT_FOUND", "PROVIDER_NOT_FOUND"],
    "conflict": ["TASK_NOT_CANCELLABLE"],
    "file": ["FILE_TOO_LARGE"],
    "rate": ["RATE_LIMIT_EXCEEDED"],
    "server": ["INTERNAL_ERROR", "PROVIDER_ERROR", "PROVIDER_UNAVAILABLE"],
}


def _response(
    status: int,
    body: Any = None,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    request = httpx.Request(
        "GET",
        "https://api.modelhunter.ai/api/v1/tasks/task_1",
        headers={"Authorization": f"Bearer {KEY}"},
    )
    if content is None:
        content = json.dumps(body).encode() if body is not None else b""
    return httpx.Response(status, content=content, headers=headers or {}, request=request)


def _envelope(code: str, message: str = "msg", details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"success": False, "error": error}


def _raised(response: httpx.Response) -> ApiError:
    with pytest.raises(ApiError) as info:
        raise_for_response(response)
    return info.value


def test_every_documented_code_is_listed() -> None:
    assert set(EXPECTED_CLASS) == set(ERROR_CODE_STATUS)
    assert set(EXPECTED_CLASS) == {code for codes in FAMILIES.values() for code in codes}


@pytest.mark.parametrize("code", sorted(ERROR_CODE_STATUS))
def test_documented_code_maps_to_class_with_fields(code: str) -> None:
    status = ERROR_CODE_STATUS[code]
    details = {"field": "input.duration", "reason": "bad"}
    err = _raised(
        _response(status, _envelope(code, "Something", details), headers={"X-Request-Id": "req_42"})
    )
    assert type(err) is EXPECTED_CLASS[code]
    assert isinstance(err, ApiStatusError)
    assert err.status_code == status
    assert err.code == code
    assert err.message == "Something"
    assert err.details == details
    assert err.request_id == "req_42"
    assert err.body == _envelope(code, "Something", details)
    assert "req_42" in str(err) and code in str(err) and str(status) in str(err)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, PaymentRequiredError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (418, ApiStatusError),
    ],
)
def test_status_decides_for_unknown_codes(status: int, cls: type[ApiStatusError]) -> None:
    err = _raised(_response(status, _envelope("SOMETHING_NEW")))
    assert type(err) is cls
    assert err.code == "SOMETHING_NEW"
    assert advice(err)


def test_status_wins_over_code() -> None:
    err = _raised(_response(400, _envelope("TASK_NOT_FOUND")))
    assert type(err) is BadRequestError


def test_code_fills_in_for_unmapped_status() -> None:
    err = _raised(_response(413, _envelope("FILE_TOO_LARGE")))
    assert isinstance(err, UnprocessableEntityError)
    assert err.status_code == 413


def test_402_without_balance_code_is_payment_required() -> None:
    err = _raised(_response(402, _envelope("CARD_DECLINED")))
    assert type(err) is PaymentRequiredError


def test_success_reply_does_not_raise() -> None:
    raise_for_response(_response(200, {"success": True, "data": {}}))
    raise_for_response(_response(204, content=b""))


def test_success_status_with_failed_envelope_raises_by_code() -> None:
    err = _raised(_response(200, _envelope("INSUFFICIENT_BALANCE")))
    assert isinstance(err, InsufficientBalanceError)


def test_json_without_envelope_keeps_status_and_message() -> None:
    err = _raised(_response(500, {"message": "Internal server error"}))
    assert type(err) is InternalServerError
    assert err.code is None
    assert err.message == "Internal server error"


def test_rate_limit_retry_after_seconds() -> None:
    err = _raised(_response(429, _envelope("RATE_LIMIT_EXCEEDED"), headers={"Retry-After": "7"}))
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 7.0
    assert "7 s" in advice(err)


def test_html_body_is_invalid_response() -> None:
    html = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    err = _raised(
        _response(502, content=html, headers={"Content-Type": "text/html", "X-Request-Id": "r1"})
    )
    assert type(err) is InvalidResponseError
    assert err.status_code == 502
    assert err.request_id == "r1"
    assert "HTML" in str(err) and "502" in str(err) and "Bad Gateway" in str(err)
    assert "Authorization" not in str(err) and KEY not in str(err)
    assert "temporary" in advice(err)


def test_empty_body_is_invalid_response() -> None:
    err = _raised(_response(503, content=b""))
    assert type(err) is InvalidResponseError
    assert "empty body" in str(err) and "503" in str(err)


def test_long_snippet_is_shortened() -> None:
    err = _raised(_response(500, content=b"x" * 10_000, headers={"Content-Type": "text/plain"}))
    assert len(str(err)) < 300


def test_non_json_on_success_status_reads_as_unexpected() -> None:
    err = InvalidResponseError("odd", status_code=200)
    assert "cannot read" in advice(err)


@pytest.mark.parametrize("code", sorted(ERROR_CODE_STATUS))
def test_advice_for_each_code(code: str) -> None:
    err = _raised(_response(ERROR_CODE_STATUS[code], _envelope(code)))
    text = advice(err)
    assert len(text) > 20
    assert text.endswith(".")


def test_advice_distinct_per_code_and_family() -> None:
    texts = {
        code: advice(_raised(_response(ERROR_CODE_STATUS[code], _envelope(code))))
        for code in ERROR_CODE_STATUS
    }
    assert len(set(texts.values())) == len(texts)
    for family, codes in FAMILIES.items():
        others = {texts[c] for f, cs in FAMILIES.items() if f != family for c in cs}
        assert not {texts[c] for c in codes} & others


def test_validation_advice_names_the_field() -> None:
    err = _raised(
        _response(
            400,
            _envelope(
                "VALIDATION_ERROR",
                details={"field": "input.duration", "reason": "must be 5 or 10"},
            ),
        )
    )
    assert "input.duration: must be 5 or 10" in advice(err)


def test_advice_for_transport_and_domain_errors() -> None:
    task = Task.model_validate(
        {
            "id": "task_1",
            "type": "video",
            "status": "failed",
            "provider": "kling",
            "model": "kling-v3",
            "created_at": "2026-01-01T00:00:00Z",
            "error": {"code": "PROVIDER_ERROR", "message": "Content policy violation"},
        }
    )
    errors: list[ApiError] = [
        ApiConnectionError("refused"),
        ApiTimeoutError("slow"),
        InvalidResponseError("html", status_code=502),
        InvalidResponseError("html", status_code=200),
        AmbiguousSubmitError("lost", client_ref="ref-1"),
        TaskFailedError(task),
        PollTimeoutError("task_1", 600),
        TransferError("x", direction="upload", status_code=403),
        TransferError("x", direction="download", status_code=403),
        TransferError("x", direction="download", status_code=None),
    ]
    texts = [advice(e) for e in errors]
    assert all(texts)
    assert len(set(texts)) == len(texts)
    assert "moderation" in advice(TaskFailedError(task))
    assert isinstance(PollTimeoutError("t", 1), TimeoutError)
    assert isinstance(ApiTimeoutError("t"), ApiConnectionError)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TaskError(code="PROVIDER_ERROR", message="Content moderation: restricted"), "moderation"),
        (TaskError(code="PROVIDER_ERROR", message="GPU fell over"), "could not make"),
        (TaskError(code="PROVIDER_UNAVAILABLE", message=""), "temporarily unavailable"),
        (TaskError(code="WEIRD_NEW_CODE", message="?"), "could not be made"),
        (None, "no reason"),
    ],
)
def test_advice_for_task_error(error: TaskError | None, expected: str) -> None:
    assert expected in advice_for_task_error(error)


def test_key_never_in_messages() -> None:
    # A misbehaving proxy echoing the request headers back in its error page.
    page = f"<html>Authorization: Bearer {KEY}</html>".encode()
    err = _raised(_response(502, content=page, headers={"Content-Type": "text/html"}))
    assert KEY not in str(err) and KEY not in repr(err) and KEY not in advice(err)
    err = _raised(_response(400, _envelope("INVALID_PARAMETER", f"bad key {KEY}")))
    assert KEY not in str(err) and KEY not in err.message
    assert KEY not in str(ApiConnectionError(f"boom Bearer {KEY}"))


def test_redact() -> None:
    assert redact(f"Bearer {KEY}") == "Bearer [redacted]"
    assert redact("token river_test_abc123 here") == "token [redacted] here"
    assert redact("secret-sauce", ["secret-sauce"]) == "[redacted]"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("3", 3.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        ("soon", None),
        ("nan", None),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(value, now=now) == expected


@given(st.integers(min_value=100, max_value=599), st.text(max_size=40))
def test_any_status_and_code_survives(status: int, code: str) -> None:
    response = _response(status, _envelope(code))
    try:
        raise_for_response(response)
    except ApiError as err:
        assert advice(err)
    else:
        assert 200 <= status < 300
