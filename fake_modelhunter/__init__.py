"""Offline ModelHunter: the same HTTP contract as the real API, with no network.

    fake = FakeModelHunter(clock=ManualClock(), synthesize_videos=False)
    client = Client(key, transport=httpx.MockTransport(fake.handle))   # in-process
    fake.deviations = Deviations(extra_fields=True, submit_status=201)   # drift from the docs
    with serve(fake) as base_url: ...                                     # real HTTP

`python -m fake_modelhunter --port 8765 --demo` runs it standalone. Video synthesis lives in
`fake_modelhunter.synth` (imported only when a clip is rendered).
"""

from __future__ import annotations

from fake_modelhunter.auth import KEY_PATTERN, KeyState
from fake_modelhunter.clock import Clock, ManualClock, RealClock
from fake_modelhunter.deviations import Deviations
from fake_modelhunter.faults import Fault, FaultPlan
from fake_modelhunter.service import FakeModelHunter, LoggedRequest
from fake_modelhunter.tasks import FAIL_TOKEN, Timing
from fake_modelhunter.urls import SIGNED_URL_TTL_S

__all__ = [
    "Clock",
    "Deviations",
    "FAIL_TOKEN",
    "FakeModelHunter",
    "Fault",
    "FaultPlan",
    "KEY_PATTERN",
    "KeyState",
    "LoggedRequest",
    "ManualClock",
    "RealClock",
    "SIGNED_URL_TTL_S",
    "Timing",
    "serve",
]


def __getattr__(name: str) -> object:
    # `serve` pulls in uvicorn; the in-process Demo mode never needs it, so load it on demand.
    if name == "serve":
        from fake_modelhunter.asgi import serve

        return serve
    raise AttributeError(f"module 'fake_modelhunter' has no attribute {name!r}")
