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
