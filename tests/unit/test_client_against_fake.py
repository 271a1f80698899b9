"""The real `modelhunter.Client` against the offline ModelHunter, in-process
(`httpx.MockTransport(fake.handle)`) and over real HTTP on loopback (`serve`).

Time is a ManualClock and the client's `sleep` a recorder: nothing waits on wall time except
the two timeout cases over HTTP, which hold the reply until a 0.5 s read timeout fires.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import av
import httpx
import pytest
from PIL import Image
from pydantic import BaseModel, ConfigDict

from fake_modelhunter import FakeModelHunter, FaultPlan, ManualClock, serve
from fake_modelhunter.videos import tiny_mp4
from modelhunter import (
    AmbiguousSubmitError,
    ApiError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    TaskStatus,
    TransferError,
    UnprocessableEntityError,
    parse_request,
)
from modelhunter.error_replies import raise_for_response
from modelhunter.polling import wait

TEST_KEY = "river_test_" + "c" * 32
LIVE_KEY = "river_live_" + "c" * 32
IMAGE_URL = "https://images.example.com/lighthouse.jpg"
TOTAL_5S = 37  # default Timing for a 5 s video: 2 + 5 + 30 s
SHORT_READ = httpx.Timeout(0.5, connect=10.0)  # only for requests meant to time out


class RawBody(BaseModel):
    """A submit body the request models would refuse: the server's checks must catch it."""

    model_config = ConfigDict(extra="allow")


def request(client_ref: str = "ref-1", **fields: Any) -> Any:
    return parse_request(
        {
            "model": "kling-v3",
            "input": {"image": IMAGE_URL, "duration": 5, **fields},
            "metadata": {"project": "demo", "client_ref": client_ref},
        }
    )


def png(width: int = 400, height: int = 300) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Env:
    """One fake, reachable in-process or over HTTP, and clients on it."""

    fake: FakeModelHunter
    clock: ManualClock
    base_url: str
    transport: httpx.BaseTransport | None
    sleeps: list[float] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)

    def client(self, key: str = TEST_KEY, **kw: Any) -> Client:
        made = Client(
            key, base_url=self.base_url, transport=self.transport, sleep=self.sleeps.append, **kw
        )
        self.clients.append(made)
        return made

    def raw(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url + "/", transport=self.transport)

    def posts(self) -> list[int | None]:
        return [r.status for r in self.fake.requests if r.path == "/kling/image-to-video"]

    def finish(self, client: Client, task_id: str) -> Any:
        """Poll with the real poller; each of its sleeps moves the fake clock instead."""

        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            self.clock.advance(seconds)

        return wait(client, task_id, clock=lambda: self.clock.now().timestamp(), sleep=sleep)


@pytest.fixture(params=["in-process", "http"])
def env(request: pytest.FixtureRequest, manual_clock: ManualClock) -> Iterator[Env]:
    fake = FakeModelHunter(clock=manual_clock, synthesize_videos=False)
    with fake, serve(fake) if request.param == "http" else contextlib.nullcontext() as served:
        transport = None if served else httpx.MockTransport(fake.handle)
        made = Env(fake, manual_clock, served or fake.base_url, transport)
        yield made
        for client in made.clients:
            client.close()


# Happy path -----------------------------------------------------------------------------------


def test_upload_submit_poll_download(env: Env) -> None:
    client = env.client()
    uploaded = client.upload_file(io.BytesIO(png()), filename="lighthouse.png")
    assert uploaded.content_type == "image/png" and uploaded.size_bytes == len(png())
    assert uploaded.url.endswith(f"/files/{uploaded.id}.png")
    ack = client.submit(request(image=uploaded.url))
    assert (ack.status, ack.type, ack.estimated_seconds) == ("pending", "image-to-video", TOTAL_5S)
    task = env.finish(client, ack.id)
    assert task.status is TaskStatus.SUCCEEDED and task.cost == Decimal("0.42")
    assert task.client_ref == "ref-1" and task.metadata == {
        "project": "demo",
        "client_ref": "ref-1",
    }
    assert task.video is not None and task.video.size_bytes == len(tiny_mp4())
    assert sum(env.sleeps) >= TOTAL_5S
    video = io.BytesIO()
    assert client.download(task.video.url, video) == len(tiny_mp4())
    with av.open(io.BytesIO(video.getvalue())) as container:
        assert sum(1 for _ in container.decode(video=0)) > 0
    assert client.get_balance().balance == Decimal("50")


def test_live_key_is_charged_and_refunded_on_cancel(env: Env) -> None:
    client = env.client(LIVE_KEY)
    ack = client.submit(request(mode="pro", duration=10))
    assert client.get_balance().balance == Decimal("50") - Decimal("1.12")
    cancelled = client.cancel(ack.id)
    assert cancelled.status is TaskStatus.CANCELLED
    assert client.cancel(ack.id).status is TaskStatus.CANCELLED  # a 409 the client resolves
    assert client.get_balance().balance == Decimal("50")


def test_pagination_to_the_end(env: Env) -> None:
    client = env.client()
    ids = [client.submit(request(f"ref-{i}")).id for i in range(45)]
    before = len(env.fake.requests)
    seen = [task.id for task in client.iter_tasks(page_size=20)]
    assert seen == ids[::-1]
    assert len(env.fake.requests) - before == 3
    page = client.list_tasks(limit=20)
    assert (len(page.data), page.pagination.has_more, page.pagination.total) == (20, True, 45)


def test_expired_result_url_then_fresh_one(env: Env) -> None:
    client = env.client()
    ack = client.submit(request())
    env.clock.advance(TOTAL_5S)
    old = client.get_task(ack.id).video
    assert old is not None
    env.clock.advance(15 * 60 + 1)
    assert client.list_tasks().data[0].status is TaskStatus.EXPIRED
    with pytest.raises(TransferError) as refused:
        client.download(old.url, io.BytesIO())
    assert refused.value.status_code == 403
    fresh = client.get_task(ack.id)
    assert fresh.status is TaskStatus.SUCCEEDED and fresh.video is not None
    assert client.download(fresh.video.url, io.BytesIO()) == len(tiny_mp4())


# Every documented error code as its typed exception ----------------------------------------


def _finished_task(env: Env, client: Client) -> str:
    ack = client.submit(request())
    env.clock.advance(TOTAL_5S)
    return ack.id


def _keyed(state: Any) -> Callable[[Env], None]:
    def call(env: Env) -> None:
        env.fake.set_key_state(TEST_KEY, state)
        env.client().get_balance()

    return call


def _auth_required(env: Env) -> None:
    with env.raw() as raw:
        raise_for_response(raw.get("balance"))


def _poor(env: Env) -> None:
    env.fake.set_balance(LIVE_KEY, "0.10")
    env.client(LIVE_KEY).submit(request())


def _rate_limited(env: Env) -> None:
    env.fake.faults.fail_next(429, retry_after=1, times=3)
    env.client().get_balance()


def _proxy_page(env: Env) -> None:
    env.fake.faults.fail_next(502, html=True, times=3)
    env.client().get_balance()


def _server_error(env: Env) -> None:
    env.fake.faults.fail_next(500, times=3)
    env.client().list_tasks()


ERROR_CASES: dict[str, tuple[Callable[[Env], Any], type[ApiError], int]] = {
    "AUTH_REQUIRED": (_auth_required, AuthenticationError, 401),
    "AUTH_INVALID_TOKEN": (lambda env: env.client("river_test_short").get_balance(),
                           AuthenticationError, 401),
    "AUTH_TOKEN_EXPIRED": (_keyed("expired"), AuthenticationError, 401),
    "KEY_REVOKED": (_keyed("revoked"), PermissionDeniedError, 403),
    "KEY_PERMISSION_DENIED": (_keyed("no_permission"), PermissionDeniedError, 403),
    "KEY_EXPIRED": (_keyed("key_expired"), PermissionDeniedError, 403),
    "INSUFFICIENT_BALANCE": (_poor, InsufficientBalanceError, 402),
    "VALIDATION_ERROR": (
        lambda env: env.client().submit(
            RawBody(model="kling-v2-6", input={"image": IMAGE_URL, "duration": 7})
        ),
        BadRequestError, 400),
    "INVALID_PARAMETER": (
        lambda env: env.client().submit(
            request(image="https://cdn.modelhunter.ai/files/file_nope.png")
        ),
        BadRequestError, 400),
    "MODEL_NOT_FOUND": (
        lambda env: env.client().submit(RawBody(model="kling-v9", input={"image": IMAGE_URL})),
        NotFoundError, 404),
    "TASK_NOT_FOUND": (lambda env: env.client().get_task("task_nope"), NotFoundError, 404),
    "TASK_NOT_CANCELLABLE": (
        lambda env: env.client().cancel(_finished_task(env, env.client())), ConflictError, 409),
    "FILE_TOO_LARGE": (
        lambda env: env.client().upload_file(
            io.BytesIO(b"x"), filename="big.mp4", size_bytes=200 * 2**20
        ),
        UnprocessableEntityError, 422),
    "RATE_LIMIT_EXCEEDED": (_rate_limited, RateLimitError, 429),
    "INTERNAL_ERROR": (_server_error, InternalServerError, 500),
}  # fmt: skip


@pytest.mark.parametrize("code", list(ERROR_CASES))
def test_documented_error_codes_surface_as_typed_errors(env: Env, code: str) -> None:
    call, error_type, status = ERROR_CASES[code]
    with pytest.raises(error_type) as raised:
        call(env)
    assert type(raised.value) is error_type
    assert (raised.value.status_code, raised.value.code) == (status, code)
    assert raised.value.message and TEST_KEY not in str(raised.value)


def test_rate_limit_error_carries_retry_after_after_the_retries(env: Env) -> None:
    with pytest.raises(RateLimitError) as raised:
        _rate_limited(env)
    assert raised.value.retry_after == 1.0
    assert env.sleeps == [1.0, 1.0]


def test_5xx_html_page_is_a_typed_invalid_response(env: Env) -> None:
    with pytest.raises(InvalidResponseError) as raised:
        _proxy_page(env)
    assert raised.value.status_code == 502
    assert "HTML" in raised.value.message
    assert [r.status for r in env.fake.requests] == [502, 502, 502]


# Retries ------------------------------------------------------------------------------------


def test_get_retries_a_429_after_the_servers_retry_after(env: Env) -> None:
    client = env.client()
    ack = client.submit(request())
    env.fake.faults.fail_next(429, retry_after=2, match=("GET", "/tasks/"))
    assert client.get_task(ack.id).id == ack.id
    assert env.sleeps == [2.0]
    gets = [r.status for r in env.fake.requests if r.method == "GET"]
    assert gets == [429, 200]


@pytest.mark.parametrize("fault", ["502-html", "503-empty", "drop"])
def test_get_retries_bad_gateways_and_dropped_connections(env: Env, fault: str) -> None:
    plan = env.fake.faults
    if fault == "drop":
        plan.drop_next(match=("GET", "/balance"))
    else:
        plan.fail_next(int(fault[:3]), html="html" in fault, empty="empty" in fault)
    assert env.client().get_balance().balance == Decimal("50")
    assert len(env.sleeps) == 1 and 0 < env.sleeps[0] <= 0.5


def test_upload_steps_are_retried(env: Env) -> None:
    env.fake.faults.fail_next(503, match=("POST", "/files/upload-url"))
    env.fake.faults.fail_next(502, html=True, match=("PUT", "/storage/uploads/"))
    env.fake.faults.fail_next(429, retry_after=3, match=("POST", "/files/file_"))
    uploaded = env.client().upload_file(io.BytesIO(png()), filename="a.png")
    assert env.raw().get(uploaded.url).content == png()
    assert len(env.sleeps) == 3 and env.sleeps[2] == 3.0, env.sleeps


# Submit is never resent --------------------------------------------------------------------


@pytest.mark.parametrize(("status", "ambiguous"), [(503, True), (500, True), (429, False)])
def test_submit_is_never_retried_on_error_statuses(env: Env, status: int, ambiguous: bool) -> None:
    env.fake.faults.fail_next(status, retry_after=1, match=("POST", "/kling/"))
    expected = AmbiguousSubmitError if ambiguous else RateLimitError
    with pytest.raises(expected) as raised:
        env.client().submit(request("ref-x"))
    assert env.posts() == [status]
    assert env.fake.task_count() == 0 and env.sleeps == []
    if ambiguous:
        assert raised.value.client_ref == "ref-x"  # type: ignore[union-attr]
        assert env.client().find_by_client_ref("ref-x") is None


@pytest.mark.parametrize("after_accept", [True, False])
@pytest.mark.parametrize("kind", ["timeout", "drop"])
def test_submit_without_a_reply_is_ambiguous_and_reconciled(
    env: Env, kind: str, after_accept: bool
) -> None:
    plan = env.fake.faults
    if kind == "timeout":
        plan.timeout_next(after_accept=after_accept, match=("POST", "/kling/"))
    else:
        plan.drop_next(after_accept=after_accept, match=("POST", "/kling/"))
    hasty = env.client(timeout=SHORT_READ, submit_timeout=0.5)  # the submit's own read timeout
    with pytest.raises(AmbiguousSubmitError) as raised:
        hasty.submit(request("ref-amb"))
    assert raised.value.client_ref == "ref-amb"
    assert env.posts() == [None]
    assert env.fake.task_count() == int(after_accept)
    found = env.client().find_by_client_ref("ref-amb")
    assert (found is not None) == after_accept
    if found is not None:
        assert found.metadata == {"project": "demo", "client_ref": "ref-amb"}
    assert env.sleeps == []


def test_soak_under_random_faults_every_click_makes_exactly_one_task(
    manual_clock: ManualClock,
) -> None:
    """In-process only: random timeouts over HTTP would each cost a real read timeout."""
    plan = FaultPlan.random(rate=0.25, seed=11)
    sleeps: list[float] = []
    with FakeModelHunter(clock=manual_clock, faults=plan, synthesize_videos=False) as fake:
        client = Client(
            TEST_KEY,
            base_url=fake.base_url,
            transport=httpx.MockTransport(fake.handle),
            sleep=sleeps.append,
            max_retries=8,
        )
        for i in range(40):
            ref = f"click-{i}"
            while True:
                try:
                    client.submit(request(ref))
                    break
                except AmbiguousSubmitError:
                    if client.find_by_client_ref(ref) is not None:
                        break
                except (RateLimitError, InternalServerError):
                    continue  # refused: nothing was created, safe to send again
        plan.clear()
        refs = [task.client_ref for task in client.iter_tasks()]
        client.close()
    assert sorted(refs) == sorted(f"click-{i}" for i in range(40))
    faulted = [r for r in fake.requests if r.fault is not None]
    assert len(faulted) > 20
