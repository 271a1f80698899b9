"""Which ModelHunter the app talks to: the real API with a key, the offline one without."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from modelhunter.client import Client
from playground.settings import Mode, Settings, mode_for

if TYPE_CHECKING:  # imported when Demo mode first needs it: a key's modes never load it
    from fake_modelhunter import FakeModelHunter

__all__ = ["DEMO_KEY", "Backend", "connect", "demo_service", "use_demo_service"]

# The offline service accepts any key of the documented shape; this one marks demo traffic.
DEMO_KEY = "river_test_" + "demo" * 8

_lock = threading.Lock()
_demo: FakeModelHunter | None = None


def demo_service() -> FakeModelHunter:
    """The process-wide offline ModelHunter (created on first use, demo timing)."""
    global _demo
    with _lock:
        if _demo is None:
            from fake_modelhunter import FakeModelHunter, RealClock, Timing

            _demo = FakeModelHunter(clock=RealClock(), timing=Timing.demo())
        return _demo


def use_demo_service(fake: FakeModelHunter | None) -> None:
    """Make Demo mode use this offline service (tests and benchmarks drive its clock)."""
    global _demo
    with _lock:
        _demo = fake


@dataclass(frozen=True)
class Backend:
    """A client plus what the UI needs to know about where it points."""

    mode: Mode
    client: Client
    fake: FakeModelHunter | None = None


def connect(settings: Settings, key: str | None, *, demo_key: str = DEMO_KEY) -> Backend:
    """A client for the key (real API), or for the offline service when there is none
    (as `demo_key`: each browser has its own, so its History lists only its own tasks)."""
    mode = mode_for(key)
    if key:
        client = Client(key, base_url=settings.base_url, submit_timeout=settings.submit_timeout_s)
        return Backend(mode, client)
    fake = demo_service()
    client = Client(demo_key, base_url=fake.base_url, transport=httpx.MockTransport(fake.handle))
    return Backend(mode, client, fake)
