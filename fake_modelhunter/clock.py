"""Injectable clocks for the offline ModelHunter: every timing decision reads one of these.

`ManualClock` moves only when a test calls `advance()`, so task lifecycles, URL expiry and
rate-limit windows are exact and tests never sleep. `RealClock` follows wall time, optionally
faster (`speed=10` makes a 60 s task finish in 6 s of real time).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = [
    "Clock",
    "ManualClock",
    "RealClock",
    "utc",
]


def utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@runtime_checkable
class Clock(Protocol):
    """Anything with a `now()` returning an aware UTC datetime."""

    def now(self) -> datetime: ...


class ManualClock:
    """A clock that stands still until `advance()` or `set()` moves it. Thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start or datetime(2026, 1, 15, 10, 0, tzinfo=UTC))
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward by `seconds` (not backwards) and return the new time.

        Raises:
            ValueError: `seconds` is negative.
        """
        if seconds < 0:
            raise ValueError("A clock only moves forward.")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, moment: datetime) -> None:
        """Jump to `moment` (forward or backward; for tests of odd server clocks)."""
        with self._lock:
            self._now = utc(moment)

    def __repr__(self) -> str:
        return f"ManualClock({self.now().isoformat()})"


class RealClock:
    """Wall time from construction on, running `speed` times faster than real time."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive.")
        self.speed = speed
        self._origin = datetime.now(UTC)
        self._mono = time.monotonic()

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=(time.monotonic() - self._mono) * self.speed)

    def __repr__(self) -> str:
        return f"RealClock(speed={self.speed:g})"
