"""Scripted, deterministic faults: error statuses, timeouts, dropped connections, slowness.

A `FaultPlan` is consulted once per request, before the request is processed. Scripted
faults fire in the order they were added (first one whose `match` fits); a random plan
(`FaultPlan.random`) adds seeded noise for soak tests; `throttle` is a fixed-window rate
limit measured on the fake clock.

`match` is `(method, path_prefix)`: method `None` matches any; the path is the one in
`FakeModelHunter.requests`, e.g. `/kling/image-to-video`, `/tasks/task_1`,
`/storage/uploads/file_1`, `/cdn/results/task_1.mp4`.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from fake_modelhunter.replies import Reply, error_reply, html_reply

__all__ = [
    "Fault",
    "FaultKind",
    "FaultPlan",
    "Match",
]

FaultKind = Literal["status", "timeout", "drop", "slow"]
Match = tuple[str | None, str]

_MESSAGES = {
    429: "Rate limit exceeded",
    500: "Internal server error",
    502: "The provider returned an error",
    503: "The provider is temporarily unavailable",
}


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour.

    - `status`: answer `status` without processing (JSON envelope, `html` page or `empty` body).
    - `timeout`: no answer; when `after_accept`, the request was processed first.
    - `drop`: the connection breaks mid-reply; when `after_accept`, after processing.
    - `slow`: processed, then answered `seconds` late.
    """

    kind: FaultKind
    status: int = 0
    retry_after: float | None = None
    html: bool = False
    empty: bool = False
    after_accept: bool = False
    seconds: float = 0.0

    @property
    def label(self) -> str:
        """Short name for the request log, e.g. `429`, `timeout-after-accept`."""
        if self.kind == "status":
            return str(self.status)
        if self.kind == "slow":
            return f"slow-{self.seconds:g}s"
        return f"{self.kind}-{'after' if self.after_accept else 'before'}-accept"

    def reply(self) -> Reply:
        """The reply of a `status` fault."""
        headers = {}
        if self.retry_after is not None:
            seconds = self.retry_after
            headers["Retry-After"] = str(int(seconds)) if seconds == int(seconds) else str(seconds)
        if self.empty:
            return Reply(self.status, b"", headers)
        if self.html:
            return html_reply(self.status, headers)
        return error_reply(self.status, message=_MESSAGES.get(self.status), headers=headers)


_RANDOM_MENU: tuple[Fault, ...] = (
    Fault("status", 429, retry_after=1),
    Fault("status", 500),
    Fault("status", 502, html=True),
    Fault("status", 503, empty=True),
    Fault("timeout", after_accept=False),
    Fault("timeout", after_accept=True),
    Fault("drop", after_accept=True),
)


@dataclass
class _Rule:
    fault: Fault
    times: int
    match: Match | None


@dataclass
class _Throttle:
    max_requests: int
    window_s: float
    match: Match | None
    window_start: datetime | None = None
    count: int = 0


def _fits(match: Match | None, method: str, path: str) -> bool:
    if match is None:
        return True
    want_method, prefix = match
    return (want_method is None or want_method.upper() == method) and path.startswith(prefix)


class FaultPlan:
    """Faults to inject, consumed as requests arrive. Thread-safe; methods chain."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._throttles: list[_Throttle] = []
        self._rng: random.Random | None = None
        self._rate = 0.0
        self._random_match: Match | None = None

    def _add(self, fault: Fault, times: int, match: Match | None) -> FaultPlan:
        if times < 1:
            raise ValueError("times must be at least 1.")
        with self._lock:
            self._rules.append(_Rule(fault, times, match))
        return self

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        html: bool = False,
        empty: bool = False,
        match: Match | None = None,
    ) -> FaultPlan:
        """Answer the next `times` matching requests with `status`, unprocessed.

        The body is the error envelope (429 → `RATE_LIMIT_EXCEEDED`, 500 → `INTERNAL_ERROR`,
        502 → `PROVIDER_ERROR`, 503 → `PROVIDER_UNAVAILABLE`), or an HTML page (`html`), or
        nothing (`empty`); `retry_after` adds a `Retry-After` header in seconds.
        """
        if not 400 <= status <= 599:
            raise ValueError("fail_next takes an error status (400–599).")
        fault = Fault("status", status, retry_after=retry_after, html=html, empty=empty)
        return self._add(fault, times, match)

    def timeout_next(
        self, *, after_accept: bool, times: int = 1, match: Match | None = None
    ) -> FaultPlan:
        """Never answer the next matching request; `after_accept` processes it first (so a
        submit does create its task). In-process this raises `httpx.ReadTimeout`; over HTTP
        the reply is held until the client gives up."""
        return self._add(Fault("timeout", after_accept=after_accept), times, match)

    def drop_next(
        self, *, after_accept: bool = True, times: int = 1, match: Match | None = None
    ) -> FaultPlan:
        """Break the connection mid-reply (`httpx.RemoteProtocolError` on the client)."""
        return self._add(Fault("drop", after_accept=after_accept), times, match)

    def slow_next(self, seconds: float, *, times: int = 1, match: Match | None = None) -> FaultPlan:
        """Process, then answer `seconds` late (in-process: a read timeout shorter than
        `seconds` raises `httpx.ReadTimeout`; nothing actually waits)."""
        if seconds < 0:
            raise ValueError("seconds must not be negative.")
        return self._add(Fault("slow", seconds=seconds), times, match)

    def throttle(
        self, max_requests: int, window_s: float, *, match: Match | None = None
    ) -> FaultPlan:
        """Allow `max_requests` matching requests per fixed window of `window_s` fake-clock
        seconds; beyond that answer 429 with `Retry-After` = seconds left in the window."""
        if max_requests < 0 or window_s <= 0:
            raise ValueError("throttle needs max_requests >= 0 and window_s > 0.")
        with self._lock:
            self._throttles.append(_Throttle(max_requests, window_s, match))
        return self

    @classmethod
    def random(cls, rate: float = 0.2, seed: int = 0, *, match: Match | None = None) -> FaultPlan:
        """A plan that hits each matching request with probability `rate` with one of: 429
        (Retry-After 1), 500, 502 HTML, 503 empty, timeout before/after accept, drop after
        accept. The same seed and request sequence give the same faults."""
        if not 0 <= rate <= 1:
            raise ValueError("rate must be between 0 and 1.")
        plan = cls()
        plan._rng = random.Random(seed)
        plan._rate = rate
        plan._random_match = match
        return plan

    def clear(self) -> None:
        """Drop every scripted fault, throttle and random mode."""
        with self._lock:
            self._rules.clear()
            self._throttles.clear()
            self._rng = None

    @property
    def pending(self) -> int:
        """How many scripted faults are still to fire."""
        with self._lock:
            return sum(rule.times for rule in self._rules)

    def take(self, method: str, path: str, now: datetime) -> Fault | None:
        """The fault for this request, if any (consumes it)."""
        method = method.upper()
        with self._lock:
            for rule in self._rules:
                if _fits(rule.match, method, path):
                    rule.times -= 1
                    if rule.times == 0:
                        self._rules.remove(rule)
                    return rule.fault
            for throttle in self._throttles:
                if _fits(throttle.match, method, path):
                    fault = self._throttled(throttle, now)
                    if fault is not None:
                        return fault
            rng = self._rng
            if rng is not None and _fits(self._random_match, method, path):
                # Draw both numbers every time so one request's outcome never shifts the next.
                hit, pick = rng.random(), rng.randrange(len(_RANDOM_MENU))
                if hit < self._rate:
                    return _RANDOM_MENU[pick]
        return None

    @staticmethod
    def _throttled(throttle: _Throttle, now: datetime) -> Fault | None:
        window = timedelta(seconds=throttle.window_s)
        if throttle.window_start is None or now >= throttle.window_start + window:
            throttle.window_start, throttle.count = now, 0
        throttle.count += 1
        if throttle.count <= throttle.max_requests:
            return None
        left = (throttle.window_start + window - now).total_seconds()
        return Fault("status", 429, retry_after=max(1, math.ceil(left)))
