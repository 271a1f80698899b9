"""The fake as a real HTTP server: an ASGI app and `serve()` (uvicorn in a thread).

Layout under one origin: the API at `/api/v1`, storage at `/storage`, the CDN at `/cdn`;
URLs in replies point at the origin the request came to (its `Host` header).

Faults over real HTTP: a timeout holds the reply until the client hangs up; a drop sends
headers and half a body, then closes the connection; slowness really waits (asyncio).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx
import uvicorn

from fake_modelhunter.replies import Reply, error_reply
from fake_modelhunter.state import Incoming, Mount
from fake_modelhunter.urls import Origins

if TYPE_CHECKING:
    from fake_modelhunter.service import FakeModelHunter, Outcome

__all__ = [
    "ASGIApp",
    "make_asgi_app",
    "serve",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HOLD_MAX_S = 300.0  # a scripted timeout gives up holding after this long
STARTUP_TIMEOUT_S = 30.0
_MOUNTS: tuple[tuple[str, Mount], ...] = (
    ("/api/v1", "api"),
    ("/storage", "storage"),
    ("/cdn", "cdn"),
)
_INDEX = b"Offline ModelHunter: the API is at /api/v1 (see fake_modelhunter).\n"


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(send: Send, reply: Reply) -> None:
    headers = [(k.lower().encode(), v.encode()) for k, v in reply.headers.items()]
    headers.append((b"content-length", str(len(reply.body)).encode()))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _send_broken(send: Send, reply: Reply | None) -> None:
    """Promise a longer body than is sent, then return: the server closes the connection."""
    body = reply.body if reply is not None else b'{"success":true,"data":{}}'
    headers = [(b"content-type", b"application/json")]
    headers.append((b"content-length", str(len(body) + 64).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})


async def _hold(receive: Receive) -> None:
    """Wait until the client disconnects (it timed out), at most `HOLD_MAX_S`."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(disconnected(), HOLD_MAX_S)


def _origin(scope: Scope) -> str:
    headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
    host = headers.get("host")
    if not host:
        server_host, server_port = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server_host}:{server_port}"
    return f"{scope.get('scheme', 'http')}://{host}"


def _incoming(scope: Scope, body: bytes) -> Incoming | None:
    path: str = scope["path"]
    for prefix, mount in _MOUNTS:
        if path == prefix or path.startswith(prefix + "/"):
            return Incoming(
                method=scope["method"].upper(),
                mount=mount,
                path=path[len(prefix) :] or "/",
                query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))),
                headers=httpx.Headers([(k, v) for k, v in scope.get("headers", [])]),
                body=body,
                origins=Origins.served_at(_origin(scope)),
            )
    return None


async def _realise(outcome: Outcome, receive: Receive, send: Send) -> None:
    fault, reply = outcome.fault, outcome.reply
    if fault is not None and fault.kind == "drop":
        await _send_broken(send, reply)
    elif reply is None or (fault is not None and fault.kind == "timeout"):
        await _hold(receive)
    else:
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.seconds)
        await _send(send, reply)


def make_asgi_app(fake: FakeModelHunter) -> ASGIApp:
    """The ASGI app of `fake` (use `fake.asgi_app()`)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        incoming = _incoming(scope, body)
        if incoming is None:
            if scope["path"] == "/":
                await _send(send, Reply(200, _INDEX, {"Content-Type": "text/plain"}))
            else:
                await _send(send, error_reply(404, "NOT_FOUND", f"No endpoint {scope['path']}"))
            return
        # Handlers may block (a download waits for its clip): keep them off the event loop.
        outcome = await asyncio.to_thread(fake.exchange, incoming)
        await _realise(outcome, receive, send)

    return app


class _Server(uvicorn.Server):
    """A uvicorn server that signals a threading.Event once it listens (or failed to)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: Any = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()

    def run(self, sockets: Any = None) -> None:
        try:
            super().run(sockets)
        except SystemExit:  # uvicorn exits when it cannot bind; `serve` reports it
            pass
        finally:
            self.ready.set()


@contextlib.contextmanager
def serve(fake: FakeModelHunter, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run `fake` on a real socket in a background thread; yields the API base URL
    (e.g. `http://127.0.0.1:54321/api/v1`). Port 0 picks a free port.

    Raises:
        RuntimeError: the server did not start (port taken, bad host).
    """
    config = uvicorn.Config(
        fake.asgi_app(),
        host=host,
        port=port,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, name="fake-modelhunter-server", daemon=True)
    thread.start()
    if not server.ready.wait(STARTUP_TIMEOUT_S) or not server.started:
        server.should_exit = True
        thread.join(5)
        raise RuntimeError(f"The offline ModelHunter could not start on {host}:{port}")
    bound = server.servers[0].sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    try:
        yield f"http://{shown}:{bound}/api/v1"
    finally:
        server.should_exit = True
        thread.join(10)
