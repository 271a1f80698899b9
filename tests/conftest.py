"""Shared test setup: no test may reach the real network."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, settings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# Hypothesis's "input generation is slow" check measures wall-clock time: on a busy 2-core
# machine it fails tests that are fine. Tests must not depend on the machine's speed.
settings.register_profile("suite", suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


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


# Real local servers for the teams work (issue 16): a PostgreSQL server (`make postgresql`) and
# an OpenID Connect provider (`make oidc`). Each starts once per session, when a test first asks.


@pytest.fixture(scope="session")
def postgres_server():  # -> Iterator[tests.pg_server.PostgresServer]
    """A real PostgreSQL server for this test session (127.0.0.1, user `postgres`, no password).

    `postgres_server.create_database()` makes another fresh database and returns its URL (for
    a test whose app processes share one store); `drop_database(url)` drops it.
    """
    import shutil
    import tempfile

    from tests.pg_server import PostgresServer

    base = tempfile.mkdtemp(prefix="kling-pg-")  # not tmp_path: the server user must reach it
    server = PostgresServer(base)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):  # -> Iterator[str]
    """A fresh empty database on `postgres_server`, dropped after the test (its open
    connections ended): `postgresql+psycopg://postgres@127.0.0.1:<port>/t_<hex>`."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


# The store's tests run on both of its backends: an SQLite file per workspace (the default)
# and one PostgreSQL database (`database_url`), on the session's `postgres_server`.


class StoreOpener:
    """`open_store(root, scope, **kwargs)`: a `Store` on this test's backend.

    `backend` is "sqlite" or "postgresql"; `database_url` is the test's fresh PostgreSQL
    database (None on SQLite), for what opens the store itself (a worker process, settings).
    Every store opened through it is closed when the test ends.
    """

    def __init__(self, backend: str, database_url: str | None) -> None:
        self.backend = backend
        self.database_url = database_url
        self.opened: list = []  # list[playground.store.Store]

    def __call__(self, root, scope: str, **kwargs):  # -> playground.store.Store
        from playground.store import Store

        if self.database_url is not None:
            kwargs.setdefault("database_url", self.database_url)
        store = Store(root, scope, **kwargs)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()
            store.db.close()  # also a Database a reopened store left behind


@pytest.fixture(params=["sqlite", "postgresql"])
def store_backend(request: pytest.FixtureRequest) -> str:
    """Which database the store's rows live in: "sqlite" or "postgresql" (both are run)."""
    return request.param


@pytest.fixture
def store_database_url(store_backend: str, request: pytest.FixtureRequest):  # -> Iterator[str|None]
    """None on SQLite; on PostgreSQL a fresh database of `postgres_server`, dropped after."""
    if store_backend == "sqlite":
        yield None
        return
    server = request.getfixturevalue("postgres_server")  # started only if a test needs it
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture
def open_store(store_backend: str, store_database_url: str | None):  # -> Iterator[StoreOpener]
    """A factory `open_store(root, scope, **kwargs) -> Store` on each backend in turn (see
    `StoreOpener`); the stores it opened are closed before the database is dropped."""
    opener = StoreOpener(store_backend, store_database_url)
    try:
        yield opener
    finally:
        opener.close_all()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory):  # -> Iterator[OidcProvider]
    """A real OpenID Connect provider for this session (node, oauth2-mock-server).

    `.issuer` (http://127.0.0.1:<port>), `.port`, `.metadata_url`; `.sign_in_as(email, name)`
    names who the next sign-in is (every /authorize is approved at once);
    `.auth_secrets_toml(redirect_uri)` is the `[auth]` section for the app's secrets.toml.
    """
    from tests.oidc_provider import OidcProvider

    provider = OidcProvider(tmp_path_factory.mktemp("oidc") / "who.json")
    try:
        yield provider.start()
    finally:
        provider.stop()
