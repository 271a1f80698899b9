"""`FakeModelHunter`: an offline ModelHunter that keeps the HTTP contract.

One instance serves three hosts: the API (`base_url`), object storage for uploads
(`storage_url`) and the CDN for files and results (`cdn_url`). Use it in-process with
`httpx.MockTransport(fake.handle)` or as a real server (`fake.asgi_app()`, `serve(fake)`),
where the same API lives under `/api/v1`, storage under `/storage` and the CDN under `/cdn`.

Scripting hooks for tests and demos:
* a prompt containing `[fail]` makes that task fail (`PROVIDER_ERROR`, moderation message);
  `fail_next_task()` makes the next submitted task fail with a given error;
* `set_key_state()` turns a key revoked / expired / without permission;
* `set_balance()` sets a key's balance (live keys start at $50);
* `faults` (a `FaultPlan`) injects HTTP errors, timeouts, dropped connections and slowness;
* `deviations` (a `Deviations`) makes replies drift from the docs the way real APIs do
  (unknown fields and status words, naive timestamps, 200/201 submits, slow submits, …);
* `requests` logs (method, path, status) of every request, never a header value.

Webhooks are accepted in requests but never called: the fake does not reach the internet.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from fake_modelhunter.auth import KeyState, authenticate
from fake_modelhunter.clock import Clock, RealClock
from fake_modelhunter.deviations import Deviations, shape_reply, soft_error_reply
from fake_modelhunter.faults import Fault, FaultPlan
from fake_modelhunter.replies import Reply, ServiceError, error_reply
from fake_modelhunter.routes import Route, find_route
from fake_modelhunter.state import DEFAULT_BALANCE, Incoming, Mount, State
from fake_modelhunter.tasks import Timing
from fake_modelhunter.urls import Origins, mount_path

if TYPE_CHECKING:
    from collections.abc import Callable

    from fake_modelhunter.asgi import ASGIApp
    from fake_modelhunter.synth import SynthRequest

__all__ = [
    "FakeModelHunter",
    "LoggedRequest",
    "Outcome",
]

logger = logging.getLogger(__name__)

REQUEST_LOG_MAX = 10_000


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the fake saw it; `status` is None when no reply was sent."""

    method: str
    path: str
    status: int | None
    fault: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What to do with a request: send `reply`, or misbehave as `fault` says."""

    reply: Reply | None
    fault: Fault | None = None


class FakeModelHunter:
    """An in-memory ModelHunter: same endpoints, envelopes, lifecycle and errors.

    Args:
        clock: time source for lifecycles, URL expiry and throttling (default `RealClock()`).
        timing: how long tasks take in each state.
        faults: the fault plan (default: none); also reachable as `fake.faults`.
        deviations: departures from the documented wire format (default: none); assign
            `fake.deviations` to change them at any time.
        base_url, storage_url, cdn_url: hosts served in-process (`handle`).
        synthesize_videos: render real clips from the images; False serves one tiny MP4.
        render: replaces the clip renderer (tests hold renders back with it).
        default_balance: starting balance of every live key, in USD.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        timing: Timing = Timing(),  # noqa: B008 - frozen dataclass, safe as a default
        faults: FaultPlan | None = None,
        deviations: Deviations | None = None,
        base_url: str = "https://api.modelhunter.ai/api/v1",
        storage_url: str = "https://storage.modelhunter.ai",
        cdn_url: str = "https://cdn.modelhunter.ai",
        synthesize_videos: bool = True,
        render: Callable[[SynthRequest], bytes] | None = None,
        default_balance: Decimal = DEFAULT_BALANCE,
    ) -> None:
        self.clock: Clock = clock or RealClock()
        self.faults = faults or FaultPlan()
        self._deviation_counts: dict[str, int] = {}
        self._log: deque[LoggedRequest] = deque(maxlen=REQUEST_LOG_MAX)
        self._log_lock = threading.Lock()
        self.deviations = deviations or Deviations()
        self.origins = Origins.of(base_url, storage_url, cdn_url)
        self._state = State(
            self.clock,
            timing,
            synthesize_videos=synthesize_videos,
            render=render,
            default_balance=Decimal(default_balance),
            default_cdn=self.origins.cdn,
        )

    @property
    def deviations(self) -> Deviations:
        """How replies depart from the documented wire format (see `Deviations`)."""
        return self._deviations

    @deviations.setter
    def deviations(self, value: Deviations) -> None:
        # "every Nth request" counts from the moment the deviations are set
        with self._log_lock:
            self._deviations = value
            self._deviation_counts = {"soft": 0, "proxy": 0}

    @property
    def base_url(self) -> str:
        """The in-process API root, e.g. for `Client(base_url=...)`."""
        return self.origins.api

    @property
    def timing(self) -> Timing:
        return self._state.timing

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request so far (newest last; the last 10,000 are kept)."""
        with self._log_lock:
            return list(self._log)

    def set_key_state(self, key: str, state: KeyState) -> None:
        """Script a key: `revoked` → 403 KEY_REVOKED, `expired` → 401 AUTH_TOKEN_EXPIRED,
        `no_permission` → 403 KEY_PERMISSION_DENIED, `key_expired` → 403 KEY_EXPIRED,
        `active` → accepted again."""
        with self._state.lock:
            self._state.key_states[key] = state

    def set_balance(self, key: str, amount: Decimal | float | str) -> None:
        """Set a key's balance in USD (only live keys are ever charged)."""
        with self._state.lock:
            self._state.settle(key)
            self._state.balances[key] = Decimal(str(amount))

    def balance(self, key: str) -> Decimal:
        """A key's balance now, after refunds of failed and cancelled tasks."""
        with self._state.lock:
            return self._state.balance_of(key)

    def fail_next_task(
        self, code: str = "PROVIDER_ERROR", message: str = "Content policy violation"
    ) -> None:
        """Make the next submitted task (any key) end `failed` with this error."""
        with self._state.lock:
            self._state.task_failures.append((code, message))

    def task_count(self, key: str | None = None) -> int:
        """How many tasks exist (of one key, or of all)."""
        with self._state.lock:
            if key is None:
                return len(self._state.tasks)
            return len(self._state.owned.get(key, []))

    def wait_for_renders(self, task_ids: list[str], timeout: float = 120.0) -> None:
        """Block until the clips of these tasks are rendered (tests, benchmarks)."""
        self._state.videos.wait(task_ids, timeout=timeout)

    def render_position(self, task_id: str) -> int | None:
        """Where a task's clip waits in the demo render queue (1 = next), None if not waiting.

        Not part of the API: the Demo app reads it from its in-process service.
        """
        return self._state.videos.position(task_id)

    def close(self) -> None:
        """Stop background video rendering."""
        self._state.videos.close()

    def __enter__(self) -> FakeModelHunter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Transports ------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer an httpx request in-process (for `httpx.MockTransport(fake.handle)`).

        Raises:
            httpx.ConnectError: the URL is on none of the fake's hosts (it never goes online).
            httpx.ReadTimeout, httpx.RemoteProtocolError: as scripted by `faults`.
        """
        incoming = self._incoming(request)
        if incoming is None:
            raise httpx.ConnectError(
                f"The offline ModelHunter does not serve {request.url.host}", request=request
            )
        outcome = self.exchange(incoming)
        fault, reply = outcome.fault, outcome.reply
        if fault is not None and fault.kind == "drop":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response (scripted drop)",
                request=request,
            )
        if reply is None or (fault is not None and fault.kind == "timeout"):
            raise httpx.ReadTimeout("No reply (scripted timeout)", request=request)
        if fault is not None and fault.kind == "slow":
            read_timeout = (request.extensions.get("timeout") or {}).get("read")
            if read_timeout is not None and fault.seconds > read_timeout:
                raise httpx.ReadTimeout("Reply too slow (scripted slowness)", request=request)
        return httpx.Response(
            reply.status, headers=reply.headers, content=reply.body, request=request
        )

    def asgi_app(self) -> ASGIApp:
        """An ASGI app serving `/api/v1`, `/storage` and `/cdn` (see `serve`)."""
        from fake_modelhunter.asgi import make_asgi_app

        return make_asgi_app(self)

    def _incoming(self, request: httpx.Request) -> Incoming | None:
        mounts: tuple[tuple[Mount, str], ...] = (
            ("api", self.origins.api),
            ("storage", self.origins.storage),
            ("cdn", self.origins.cdn),
        )
        for mount, base in mounts:
            path = mount_path(base, request.url)
            if path is not None:
                return Incoming(
                    method=request.method,
                    mount=mount,
                    path=path,
                    query=dict(request.url.params.multi_items()),
                    headers=request.headers,
                    body=request.content,
                    origins=self.origins,
                )
        return None

    # Processing ------------------------------------------------------------------------

    def exchange(self, incoming: Incoming) -> Outcome:
        """Consult the deviations and the fault plan, process the request as they say, and
        log it."""
        deviations = self.deviations
        fault = self._proxy_error(deviations, incoming)
        if fault is None:
            fault = self.faults.take(incoming.method, incoming.log_path, self._state.now())
        label = fault.label if fault else None
        if fault is not None and fault.kind == "status":
            outcome = Outcome(fault.reply(), fault)
        elif fault is not None and fault.kind in ("timeout", "drop") and not fault.after_accept:
            outcome = Outcome(None, fault)
        elif fault is None and self._soft_error(deviations, incoming):
            outcome, label = Outcome(soft_error_reply()), "soft-error-200"
        else:
            if fault is None and deviations.slow_submit_s and _is_submit(incoming):
                fault = Fault("slow", seconds=deviations.slow_submit_s)
                label = f"slow-submit-{deviations.slow_submit_s:g}s"
            outcome = Outcome(self.process(incoming), fault)
        answered = fault is None or fault.kind in ("status", "slow")
        status = outcome.reply.status if answered and outcome.reply is not None else None
        entry = LoggedRequest(incoming.method, incoming.log_path, status, label)
        with self._log_lock:
            self._log.append(entry)
        return outcome

    def _every(self, name: str, period: int) -> bool:
        """True on every `period`-th call for `name` (never when `period` is 0)."""
        if period <= 0:
            return False
        with self._log_lock:
            self._deviation_counts[name] += 1
            return self._deviation_counts[name] % period == 0

    def _proxy_error(self, deviations: Deviations, incoming: Incoming) -> Fault | None:
        if incoming.mount != "api" or not self._every("proxy", deviations.proxy_error_every):
            return None
        body = deviations.proxy_error_body
        return Fault("status", 502, html=body == "html", empty=body == "empty")

    def _soft_error(self, deviations: Deviations, incoming: Incoming) -> bool:
        listing = incoming.mount == "api" and incoming.method == "GET"
        listing = listing and (incoming.path == "/tasks" or incoming.path.startswith("/tasks/"))
        return listing and self._every("soft", deviations.soft_error_every)

    def process(self, incoming: Incoming) -> Reply:
        """Route and run one request (no faults)."""
        found = find_route(incoming)
        if isinstance(found, Reply):
            reply = found
        else:
            route, params = found
            reply = self._run(route, incoming, params)
            if incoming.mount == "api":
                reply = shape_reply(self.deviations, route.handler.__name__, reply)
        if incoming.mount == "api":
            headers = {**reply.headers, "X-Request-Id": f"req_{secrets.token_hex(8)}"}
            reply = Reply(reply.status, reply.body, headers)
        return reply

    def _run(self, route: Route, incoming: Incoming, params: dict[str, str]) -> Reply:
        state = self._state
        try:
            if not route.auth:
                return route.handler(state, incoming, **params)
            with state.lock:
                key = authenticate(incoming.headers.get("authorization"), state.key_states)
            return route.handler(state, incoming, key, **params)
        except ServiceError as exc:
            return exc.reply()
        except Exception:
            logger.exception("offline ModelHunter failed on %s %s", incoming.method, incoming.path)
            return error_reply(500, "INTERNAL_ERROR", "The offline ModelHunter failed")


def _is_submit(incoming: Incoming) -> bool:
    return (
        incoming.mount == "api"
        and incoming.method == "POST"
        and incoming.path.rstrip("/") == "/kling/image-to-video"
    )
