"""Shared test setup: no test may reach the real network."""

from __future__ import annotations

import httpx
import pytest

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@pytest.fixture(autouse=True)
def _refuse_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx's real transports refuse every host but loopback (a local fake server is fine).

    Tests use `httpx.MockTransport`, which this does not touch.
    """
    real_sync = httpx.HTTPTransport.handle_request
    real_async = httpx.AsyncHTTPTransport.handle_async_request

    def guard(request: httpx.Request) -> None:
        if request.url.host not in LOOPBACK_HOSTS:
            raise RuntimeError(f"Test tried to reach the network: {request.url.host}")

    def sync(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        guard(request)
        return real_sync(self, request)

    async def async_(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        guard(request)
        return await real_async(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", sync)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", async_)


# Offline ModelHunter fixtures (fake_modelhunter): a fake clock and a fake on it.

FAKE_START = "2026-01-15T10:00:00+00:00"


@pytest.fixture
def manual_clock():  # -> fake_modelhunter.ManualClock
    """A clock that moves only when the test calls `advance()`."""
    from datetime import datetime

    from fake_modelhunter import ManualClock

    return ManualClock(datetime.fromisoformat(FAKE_START))


@pytest.fixture
def fake_modelhunter(manual_clock):  # -> Iterator[fake_modelhunter.FakeModelHunter]
    """An in-process offline ModelHunter on `manual_clock`, serving a tiny static MP4.

    Talk to it with `httpx.MockTransport(fake_modelhunter.handle)` and
    `base_url=fake_modelhunter.base_url`.
    """
    from fake_modelhunter import FakeModelHunter

    fake = FakeModelHunter(clock=manual_clock, synthesize_videos=False)
    yield fake
    fake.close()
