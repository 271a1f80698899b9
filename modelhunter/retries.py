"""Timeouts and retry decisions: named constants and small pure functions.

Only requests that are safe to repeat go through these (GET, cancel, the file POSTs);
`Client.submit` never does (contract §12).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "SUBMIT_READ_TIMEOUT",
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "RETRY_JITTER",
    "is_ambiguous_submit_status",
    "is_retryable_exception",
    "is_retryable_status",
    "parse_retry_after",
    "retry_delay",
    "retrying",
    "should_retry",
]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# The submit may be slow to answer; giving up early makes its outcome unknown, which costs
# a reconcile and may leave the user unsure whether they paid (contract §12).
SUBMIT_READ_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
RETRY_JITTER = 0.25  # a delay is shortened by up to this fraction, so clients spread out

_RETRYABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def is_retryable_status(status_code: int) -> bool:
    """408, 429 and every 5xx: passing trouble, worth another try (the one status rule;
    `errors.is_transient` applies it to errors)."""
    return status_code in (408, 429) or status_code >= 500


def is_retryable_exception(exc: BaseException) -> bool:
    """Timeouts, network errors and dropped connections; not protocol misuse on our side."""
    return isinstance(exc, _RETRYABLE)


def should_retry(
    attempt: int,
    max_retries: int,
    *,
    status_code: int | None = None,
    exc: BaseException | None = None,
    retry_after: float | None = None,
) -> bool:
    """Whether to repeat a request that is safe to repeat.

    `attempt` counts the retries already made. A `Retry-After` beyond `MAX_RETRY_AFTER`
    means give up now and let the caller schedule (its `RateLimitError.retry_after` says when)
    rather than block a page for minutes.
    """
    if attempt >= max_retries:
        return False
    if retry_after is not None and retry_after > MAX_RETRY_AFTER:
        return False
    if exc is not None:
        return is_retryable_exception(exc)
    return status_code is not None and is_retryable_status(status_code)


def retry_delay(
    attempt: int, retry_after: float | None = None, *, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before retry number `attempt + 1`.

    The server's `Retry-After` wins (capped at `MAX_RETRY_AFTER`); otherwise exponential
    backoff from `INITIAL_RETRY_DELAY` capped at `MAX_RETRY_DELAY`, minus up to
    `RETRY_JITTER` of it at random.
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_RETRY_AFTER)
    base = min(INITIAL_RETRY_DELAY * 2**attempt, MAX_RETRY_DELAY)
    return base * (1.0 - RETRY_JITTER * rand())


def is_ambiguous_submit_status(status_code: int) -> bool:
    """Whether a submit reply with this status leaves open whether a task was created.

    4xx (but 408) is a refusal: nothing was created. 408 and 5xx can come from a gateway
    after the backend accepted the work; an unreadable 2xx means it was accepted but we
    cannot read the id.
    """
    return 200 <= status_code < 300 or status_code == 408 or status_code >= 500


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta-seconds or HTTP-date); None if absent
    or unreadable. Dates in the past give 0."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


def _outcome_facts(state: RetryCallState) -> dict[str, Any]:
    """What `should_retry`/`retry_delay` need to know about the last attempt."""
    outcome = state.outcome
    if outcome is None:
        return {}
    if outcome.failed:
        return {"exc": outcome.exception()}
    response = outcome.result()
    return {
        "status_code": response.status_code,
        "retry_after": parse_retry_after(response.headers.get("Retry-After")),
    }


def _close_before_retry(state: RetryCallState) -> None:
    outcome = state.outcome
    if outcome is not None and not outcome.failed:
        outcome.result().close()


def retrying(max_retries: int, sleep: Callable[[float], None]) -> Retrying:
    """The retry policy for requests that are safe to repeat, as a tenacity `Retrying`.

    The decision and the delay are the small pure functions above (`should_retry`,
    `retry_delay`), so the policy is tested piece by piece; tenacity runs the loop. The last
    outcome is returned (a response) or re-raised (a transport error) once retries end.
    """

    def decide(state: RetryCallState) -> bool:
        return should_retry(state.attempt_number - 1, max_retries, **_outcome_facts(state))

    def wait(state: RetryCallState) -> float:
        facts = _outcome_facts(state)
        return retry_delay(state.attempt_number - 1, facts.get("retry_after"))

    return Retrying(
        retry=decide,
        wait=wait,
        sleep=sleep,
        before_sleep=_close_before_retry,
        reraise=True,
    )
