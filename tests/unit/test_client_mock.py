"""Client against `httpx.MockTransport` handlers: paths, params, retries, uploads, submit."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelhunter.client import Client, mask_key
from modelhunter.errors import (
    AmbiguousSubmitError,
    ApiConnectionError,
    ApiTimeoutError,
    ConflictError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidResponseError,
    NotFoundError,
    RateLimitError,
    TransferError,
)
from modelhunter.reconcile import CLOCK_SKEW
from modelhunter.requests import KlingV3Request, parse_request
from modelhunter.responses import TaskStatus
from modelhunter.retries import (
    DEFAULT_MAX_RETRIES,
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    is_ambiguous_submit_status,
    is_retryable_exception,
    is_retryable_status,
    retry_delay,
    should_retry,
)
from modelhunter.transfers import TRANSFER_CHUNK_SIZE
from playground.advice import advice

KEY = "river_test_" + "0123456789abcdef" + "ABCDEF0123456789"  # built, not a literal key
BASE = "https://api.modelhunter.ai/api/v1"
UPLOAD_URL = "https://storage.modelhunter.ai/uploads/file_abc123?X-Amz-Signature=xyz"
RESULT_URL = "https://cdn.modelhunter.ai/results/task_1.mp4?signature=xyz"

Handler = Callable[[httpx.Request], httpx.Response]


def task_json(task_id: str = "task_1", status: str = "running", **extra: Any) -> dict[str, Any]:
    return {
        "id": task_id,
        "type": "video",
        "status": status,
        "provider": "kling",
        "model": "kling-v3",
        "created_at": "2026-02-27T10:00:00Z",
        **extra,
    }


def ok(data: Any, status: int = 200, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"success": True, "data": data, **extra})


def fail(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"success": False, "error": {"code": code, "message": code.lower()}}
    return httpx.Response(status, json=body, headers=headers)


class Recorder:
    """A MockTransport handler that records every request and answers from a script."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(request.read())
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            if isinstance(answer, httpx.RequestError):
                answer.request = request
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def make_client(recorder: Recorder, sleeps: list[float] | None = None, **kw: Any) -> Client:
    sleep_log = sleeps if sleeps is not None else []
    return Client(KEY, transport=httpx.MockTransport(recorder), sleep=sleep_log.append, **kw)


def v3_request(client_ref: str | None = "ref-1") -> KlingV3Request:
    body: dict[str, Any] = {
        "model": "kling-v3",
        "input": {"image": "https://cdn.modelhunter.ai/files/file_abc123.jpg", "duration": 5},
    }
    if client_ref:
        body["metadata"] = {"client_ref": client_ref}
    request = parse_request(body)
    assert isinstance(request, KlingV3Request)
    return request


def test_get_task_sends_bearer_and_parses() -> None:
    rec = Recorder(ok(task_json(progress=40)))
    with make_client(rec) as client:
        task = client.get_task("task_1")
    assert task.status is TaskStatus.RUNNING and task.progress == 40
    (request,) = rec.requests
    assert request.method == "GET"
    assert str(request.url) == f"{BASE}/tasks/task_1"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in str(request.url)


def test_task_id_cannot_change_the_path() -> None:
    rec = Recorder(ok(task_json()))
    make_client(rec).get_task("a/../b?x=1")
    assert rec.requests[0].url.raw_path == b"/api/v1/tasks/a%2F..%2Fb%3Fx%3D1"
    with pytest.raises(ValueError):
        make_client(rec).get_task("")


def test_list_tasks_query_param_names() -> None:
    page = {"success": True, "data": [task_json()], "pagination": {"hasMore": False}}
    rec = Recorder(httpx.Response(200, json=page))
    result = make_client(rec).list_tasks(
        status=TaskStatus.RUNNING,
        provider="kling",
        model_id="kling-v3",
        start_date=datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
        end_date=datetime(2026, 1, 16, 11, 0, tzinfo=UTC) + timedelta(hours=0),
        search="task_",
        limit=50,
        cursor="2026-01-15T09:50:00Z",
    )
    assert [t.id for t in result.data] == ["task_1"]
    assert dict(rec.requests[0].url.params) == {
        "status": "running",
        "provider": "kling",
        "modelId": "kling-v3",
        "startDate": "2026-01-15T09:00:00Z",
        "endDate": "2026-01-16T11:00:00Z",
        "search": "task_",
        "limit": "50",
        "cursor": "2026-01-15T09:50:00Z",
    }


def test_list_tasks_defaults_and_naive_dates() -> None:
    page = {"success": True, "data": [], "pagination": {"hasMore": False}}
    rec = Recorder(httpx.Response(200, json=page))
    make_client(rec).list_tasks(start_date=datetime(2026, 1, 15, 9, 0))
    assert dict(rec.requests[0].url.params) == {"startDate": "2026-01-15T09:00:00Z", "limit": "20"}
    with pytest.raises(ValueError):
        make_client(rec).list_tasks(limit=101)


def test_iter_tasks_follows_cursor_to_the_end() -> None:
    pages = {
        None: (["t5", "t4"], "c1", True),
        "c1": (["t3", "t2"], "c2", True),
        "c2": (["t1"], "c3", False),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        ids, cursor, more = pages[request.url.params.get("cursor")]
        body = {
            "success": True,
            "data": [task_json(i) for i in ids],
            "pagination": {"cursor": cursor, "hasMore": more, "total": 5},
        }
        return httpx.Response(200, json=body)

    rec = Recorder(handler)
    ids = [t.id for t in make_client(rec).iter_tasks(provider="kling")]
    assert ids == ["t5", "t4", "t3", "t2", "t1"]
    assert len(rec.requests) == 3
    assert all(r.url.params["limit"] == "100" for r in rec.requests)
    assert all(r.url.params["provider"] == "kling" for r in rec.requests)


def test_iter_tasks_stops_on_repeated_cursor() -> None:
    body = {
        "success": True,
        "data": [task_json("t1")],
        "pagination": {"cursor": "c", "hasMore": True},
    }
    rec = Recorder(httpx.Response(200, json=body))
    assert [t.id for t in make_client(rec).iter_tasks()] == ["t1"]
    assert len(rec.requests) == 2


def test_cancel() -> None:
    rec = Recorder(ok(task_json(status="cancelled")))
    task = make_client(rec).cancel("task_1")
    assert task.status is TaskStatus.CANCELLED
    assert rec.requests[0].method == "POST"
    assert rec.requests[0].url.path == "/api/v1/tasks/task_1/cancel"


def test_cancel_of_already_cancelled_task_returns_it() -> None:
    rec = Recorder(fail(409, "TASK_NOT_CANCELLABLE"), ok(task_json(status="cancelled")))
    assert make_client(rec).cancel("task_1").status is TaskStatus.CANCELLED
    assert [r.method for r in rec.requests] == ["POST", "GET"]


def test_cancel_of_finished_task_is_conflict() -> None:
    rec = Recorder(fail(409, "TASK_NOT_CANCELLABLE"), ok(task_json(status="succeeded")))
    with pytest.raises(ConflictError) as info:
        make_client(rec).cancel("task_1")
    assert "already finished" in advice(info.value)


def test_get_balance() -> None:
    rec = Recorder(ok({"balance": 45.0, "billingMode": "prepaid"}))
    balance = make_client(rec).get_balance()
    assert balance.balance == 45 and balance.billing_mode == "prepaid"
    assert rec.requests[0].url.path == "/api/v1/balance"


def test_unexpected_json_shape_is_invalid_response() -> None:
    rec = Recorder(ok({"id": "task_1"}))
    with pytest.raises(InvalidResponseError) as info:
        make_client(rec).get_task("task_1")
    assert "unexpected shape" in str(info.value)


class ChunkReader(io.RawIOBase):
    """A file object that records how it is read and refuses whole-file reads."""

    def __init__(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data)
        self.read_sizes: list[int] = []
        self.name = "photo.jpg"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._buffer.seek(offset, whence)

    def tell(self) -> int:
        return self._buffer.tell()

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > TRANSFER_CHUNK_SIZE:
            raise AssertionError(f"read({size}) would pull the whole file into memory")
        self.read_sizes.append(size)
        return self._buffer.read(size)


def upload_handler(storage: dict[str, Any]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "storage.modelhunter.ai":
            storage["put"] = request
            return httpx.Response(200)
        if request.url.path.endswith("/files/upload-url"):
            storage["ticket_request"] = request
            return ok(
                {
                    "upload_url": UPLOAD_URL,
                    "file_id": "file_abc123",
                    "expires_at": "2026-01-15T10:15:00Z",
                }
            )
        storage["complete"] = request
        return ok(
            {
                "id": "file_abc123",
                "url": "https://cdn.modelhunter.ai/files/file_abc123.jpg",
                "filename": "photo.jpg",
                "content_type": "image/jpeg",
                "size_bytes": storage["size"],
                "created_at": "2026-01-15T10:00:30Z",
            }
        )

    return handler


def test_upload_streams_file_without_key() -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    source = ChunkReader(data)
    storage: dict[str, Any] = {"size": len(data)}
    rec = Recorder(upload_handler(storage))
    uploaded = make_client(rec).upload_file(source, content_type="image/jpeg")

    assert uploaded.url == "https://cdn.modelhunter.ai/files/file_abc123.jpg"
    ticket_request = storage["ticket_request"]
    assert json.loads(ticket_request.content) == {
        "filename": "photo.jpg",
        "contentType": "image/jpeg",
        "sizeBytes": len(data),
    }
    assert ticket_request.headers["Authorization"] == f"Bearer {KEY}"

    put = storage["put"]
    assert put.method == "PUT"
    assert str(put.url) == UPLOAD_URL
    assert "Authorization" not in put.headers
    assert KEY not in str(put.headers)
    assert put.headers["Content-Type"] == "image/jpeg"
    assert put.headers["Content-Length"] == str(len(data))
    assert "Transfer-Encoding" not in put.headers
    assert put.content == data
    # Streamed: read chunk by chunk, never all at once.
    assert len(source.read_sizes) >= len(data) // TRANSFER_CHUNK_SIZE
    assert max(source.read_sizes) <= TRANSFER_CHUNK_SIZE

    complete = storage["complete"]
    assert complete.method == "POST"
    assert complete.url.path == "/api/v1/files/file_abc123/complete"
    assert complete.headers["Authorization"] == f"Bearer {KEY}"
    assert [r.url.host for r in rec.requests] == [
        "api.modelhunter.ai",
        "storage.modelhunter.ai",
        "api.modelhunter.ai",
    ]


def test_upload_from_path_guesses_name_type_and_size(tmp_path: Path) -> None:
    path = tmp_path / "frame.png"
    path.write_bytes(b"\x89PNG" + b"0" * 2000)
    storage: dict[str, Any] = {"size": 2004}
    make_client(Recorder(upload_handler(storage))).upload_file(path)
    assert json.loads(storage["ticket_request"].content) == {
        "filename": "frame.png",
        "contentType": "image/png",
        "sizeBytes": 2004,
    }
    assert storage["put"].content == path.read_bytes()


def test_upload_put_retried_after_rewinding() -> None:
    data = os.urandom(600_000)
    storage: dict[str, Any] = {"size": len(data), "puts": 0}
    inner = upload_handler(storage)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "storage.modelhunter.ai":
            storage["puts"] += 1
            if storage["puts"] == 1:
                return httpx.Response(503, text="<Error>SlowDown</Error>")
        return inner(request)

    sleeps: list[float] = []
    make_client(Recorder(handler), sleeps).upload_file(
        io.BytesIO(data), filename="a.jpg", content_type="image/jpeg"
    )
    assert storage["puts"] == 2
    assert storage["put"].content == data
    assert len(sleeps) == 1


def test_upload_refused_by_storage_is_transfer_error() -> None:
    storage: dict[str, Any] = {"size": 10}
    inner = upload_handler(storage)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "storage.modelhunter.ai":
            return httpx.Response(403, text="<Error>AccessDenied: Request has expired</Error>")
        return inner(request)

    with pytest.raises(TransferError) as info:
        make_client(Recorder(handler)).upload_file(
            io.BytesIO(b"0123456789"), filename="a.jpg", content_type="image/jpeg"
        )
    assert info.value.status_code == 403
    assert "expired" in advice(info.value)
    assert "X-Amz-Signature" not in str(info.value)


def test_upload_needs_a_content_type() -> None:
    with pytest.raises(ValueError, match="content_type"):
        make_client(Recorder(ok({}))).upload_file(io.BytesIO(b"x"), filename="blob")


def test_download_streams_without_key() -> None:
    data = os.urandom(1_500_000)
    rec = Recorder(httpx.Response(200, content=data, headers={"Content-Type": "video/mp4"}))
    dest = io.BytesIO()
    written = make_client(rec).download(RESULT_URL, dest)
    assert written == len(data) and dest.getvalue() == data
    (request,) = rec.requests
    assert str(request.url) == RESULT_URL
    assert "Authorization" not in request.headers


def test_download_follows_redirect_without_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "cdn.modelhunter.ai":
            return httpx.Response(302, headers={"Location": "https://edge.example.net/v.mp4"})
        return httpx.Response(200, content=b"video")

    rec = Recorder(handler)
    dest = io.BytesIO()
    assert make_client(rec).download(RESULT_URL, dest) == 5
    assert [r.url.host for r in rec.requests] == ["cdn.modelhunter.ai", "edge.example.net"]
    assert all("Authorization" not in r.headers for r in rec.requests)


def test_download_expired_link() -> None:
    rec = Recorder(httpx.Response(403, text="expired"))
    with pytest.raises(TransferError) as info:
        make_client(rec).download(RESULT_URL, io.BytesIO())
    assert info.value.direction == "download"
    assert "Refresh the task" in advice(info.value)


def test_download_refuses_other_schemes() -> None:
    with pytest.raises(ValueError):
        make_client(Recorder(ok({}))).download("file:///etc/passwd", io.BytesIO())


def test_get_retries_429_honouring_retry_after() -> None:
    rec = Recorder(fail(429, "RATE_LIMIT_EXCEEDED", headers={"Retry-After": "3"}), ok(task_json()))
    sleeps: list[float] = []
    assert make_client(rec, sleeps).get_task("task_1").id == "task_1"
    assert sleeps == [3.0]
    assert len(rec.requests) == 2


def test_get_retries_502_html() -> None:
    html = httpx.Response(
        502, text="<html>Bad Gateway</html>", headers={"Content-Type": "text/html"}
    )
    rec = Recorder(html, ok(task_json()))
    sleeps: list[float] = []
    make_client(rec, sleeps).get_task("task_1")
    assert len(rec.requests) == 2
    assert len(sleeps) == 1
    assert INITIAL_RETRY_DELAY * 0.75 <= sleeps[0] <= INITIAL_RETRY_DELAY


def test_retries_exhausted_raise_typed_errors() -> None:
    rec = Recorder(fail(503, "PROVIDER_UNAVAILABLE"))
    sleeps: list[float] = []
    with pytest.raises(InternalServerError) as info:
        make_client(rec, sleeps).get_task("task_1")
    assert info.value.code == "PROVIDER_UNAVAILABLE"
    assert len(rec.requests) == 1 + DEFAULT_MAX_RETRIES
    assert len(sleeps) == DEFAULT_MAX_RETRIES

    rec = Recorder(httpx.Response(502, text="<html>Bad Gateway</html>"))
    with pytest.raises(InvalidResponseError) as html_info:
        make_client(rec, max_retries=3).get_task("task_1")
    assert html_info.value.status_code == 502
    assert len(rec.requests) == 4


def test_network_errors_are_retried_then_typed() -> None:
    rec = Recorder(httpx.ConnectError("refused"), ok(task_json()))
    assert make_client(rec).get_task("task_1").id == "task_1"

    rec = Recorder(httpx.ReadTimeout("slow"))
    with pytest.raises(ApiTimeoutError):
        make_client(rec).get_task("task_1")
    assert len(rec.requests) == 1 + DEFAULT_MAX_RETRIES

    rec = Recorder(httpx.ConnectError(f"refused Bearer {KEY}"))
    with pytest.raises(ApiConnectionError) as info:
        make_client(rec, max_retries=0).get_task("task_1")
    assert KEY not in str(info.value)


def test_long_retry_after_is_not_waited_out() -> None:
    rec = Recorder(fail(429, "RATE_LIMIT_EXCEEDED", headers={"Retry-After": "600"}))
    sleeps: list[float] = []
    with pytest.raises(RateLimitError) as info:
        make_client(rec, sleeps).get_task("task_1")
    assert info.value.retry_after == 600
    assert sleeps == [] and len(rec.requests) == 1


def test_client_errors_are_not_retried() -> None:
    rec = Recorder(fail(404, "TASK_NOT_FOUND"))
    with pytest.raises(NotFoundError):
        make_client(rec).get_task("task_nope")
    assert len(rec.requests) == 1


def test_file_posts_and_cancel_are_retried() -> None:
    rec = Recorder(fail(500, "INTERNAL_ERROR"), ok(task_json(status="cancelled")))
    make_client(rec).cancel("task_1")
    assert len(rec.requests) == 2


def test_submit_posts_request_json() -> None:
    ack_json = {
        "id": "task_ghi789",
        "status": "pending",
        "type": "image-to-video",
        "provider": "kling",
        "model": "kling-v3",
        "created_at": "2026-02-27T10:00:00Z",
        "estimated_seconds": 60,
    }
    rec = Recorder(ok(ack_json, status=202))
    request = v3_request()
    ack = make_client(rec).submit(request)
    assert ack.id == "task_ghi789" and ack.estimated_seconds == 60
    (sent,) = rec.requests
    assert sent.method == "POST" and sent.url.path == "/api/v1/kling/image-to-video"
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert json.loads(sent.content) == request.model_dump(
        mode="json", by_alias=True, exclude_none=True
    )


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_submit_5xx_is_ambiguous_and_not_retried(status: int) -> None:
    rec = Recorder(fail(status, "INTERNAL_ERROR"))
    with pytest.raises(AmbiguousSubmitError) as info:
        make_client(rec).submit(v3_request("ref-500"))
    assert len(rec.requests) == 1
    assert info.value.client_ref == "ref-500"
    assert info.value.status_code == status
    assert isinstance(info.value.__cause__, InternalServerError)


def test_submit_429_not_retried() -> None:
    rec = Recorder(fail(429, "RATE_LIMIT_EXCEEDED", headers={"Retry-After": "1"}))
    sleeps: list[float] = []
    with pytest.raises(RateLimitError):
        make_client(rec, sleeps).submit(v3_request())
    assert len(rec.requests) == 1 and sleeps == []


def test_submit_refusal_is_typed() -> None:
    rec = Recorder(fail(402, "INSUFFICIENT_BALANCE"))
    with pytest.raises(InsufficientBalanceError):
        make_client(rec).submit(v3_request())
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("slow"), httpx.ReadError("reset"), httpx.RemoteProtocolError("eof")]
)
def test_submit_after_sending_is_ambiguous(exc: Exception) -> None:
    rec = Recorder(exc)
    sleeps: list[float] = []
    with pytest.raises(AmbiguousSubmitError) as info:
        make_client(rec, sleeps).submit(v3_request("ref-t"))
    assert len(rec.requests) == 1 and sleeps == []
    assert info.value.client_ref == "ref-t"
    assert "Look it up" in advice(info.value)


@pytest.mark.parametrize("exc", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow")])
def test_submit_before_sending_is_connection_error(exc: Exception) -> None:
    rec = Recorder(exc)
    with pytest.raises(ApiConnectionError) as info:
        make_client(rec).submit(v3_request())
    assert not isinstance(info.value, AmbiguousSubmitError)
    assert len(rec.requests) == 1


def test_submit_unreadable_success_is_ambiguous() -> None:
    rec = Recorder(httpx.Response(202, text="<html>accepted</html>"))
    with pytest.raises(AmbiguousSubmitError) as info:
        make_client(rec).submit(v3_request(None))
    assert info.value.client_ref is None
    assert isinstance(info.value.__cause__, InvalidResponseError)


def _listing(pages: dict[str | None, tuple[list[dict[str, Any]], str | None, bool]]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        data, cursor, more = pages[request.url.params.get("cursor")]
        body = {"success": True, "data": data, "pagination": {"cursor": cursor, "hasMore": more}}
        return httpx.Response(200, json=body)

    return handler


def _t(task_id: str, minute: int, ref: str | None = None) -> dict[str, Any]:
    meta = {"client_ref": ref} if ref else {"project": "demo"}
    return task_json(task_id, created_at=f"2026-02-27T10:{minute:02d}:00Z", metadata=meta)


def test_find_by_client_ref_on_second_page() -> None:
    rec = Recorder(
        _listing(
            {
                None: ([_t("t9", 59), _t("t8", 58, "other")], "c1", True),
                "c1": ([_t("t7", 57, "mine"), _t("t6", 56)], "c2", True),
            }
        )
    )
    found = make_client(rec).find_by_client_ref("mine")
    assert found is not None and found.id == "t7"
    assert len(rec.requests) == 2


def test_find_by_client_ref_stops_once_older_than_created_after() -> None:
    created_after = datetime(2026, 2, 27, 10, 50, tzinfo=UTC)
    rec = Recorder(
        _listing(
            {
                None: ([_t("t9", 59), _t("t8", 50)], "c1", True),
                "c1": ([_t("t7", 44), _t("t6", 30)], "c2", True),
                "c2": ([_t("t5", 20, "mine")], None, False),
            }
        )
    )
    assert make_client(rec).find_by_client_ref("mine", created_after=created_after) is None
    assert len(rec.requests) == 2
    expected_start = (created_after - CLOCK_SKEW).isoformat().replace("+00:00", "Z")
    assert rec.requests[0].url.params["startDate"] == expected_start


def test_find_by_client_ref_none_when_absent() -> None:
    rec = Recorder(_listing({None: ([_t("t1", 1)], None, False)}))
    assert make_client(rec).find_by_client_ref("mine") is None


def test_repr_masks_key() -> None:
    client = make_client(Recorder(ok({})))
    assert KEY not in repr(client)
    assert "river_test_****" in repr(client)
    assert mask_key("sk-unknown-format") == "****"


@pytest.mark.parametrize("bad", ["", "   ", "river_test_abc def", "river_test_\nabc", "ключ"])
def test_bad_key_refused_without_echo(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        Client(bad, transport=httpx.MockTransport(Recorder(ok({}))))
    assert bad.strip() == "" or bad not in str(info.value)


def test_key_is_stripped() -> None:
    rec = Recorder(ok(task_json()))
    Client(f"  {KEY}\n", transport=httpx.MockTransport(rec)).get_task("task_1")
    assert rec.requests[0].headers["Authorization"] == f"Bearer {KEY}"


def test_context_manager_closes() -> None:
    with make_client(Recorder(ok(task_json()))) as client:
        pass
    with pytest.raises(RuntimeError):
        client.get_task("task_1")


def test_base_url_override() -> None:
    rec = Recorder(ok(task_json()))
    make_client(rec, base_url="http://127.0.0.1:8765/api/v1/").get_task("task_1")
    assert str(rec.requests[0].url) == "http://127.0.0.1:8765/api/v1/tasks/task_1"


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (200, False),
        (400, False),
        (404, False),
        (408, True),
        (409, False),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
    ],
)
def test_is_retryable_status(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable


def test_is_retryable_exception() -> None:
    request = httpx.Request("GET", BASE)
    assert is_retryable_exception(httpx.ConnectError("x", request=request))
    assert is_retryable_exception(httpx.ReadTimeout("x", request=request))
    assert is_retryable_exception(httpx.RemoteProtocolError("x", request=request))
    assert not is_retryable_exception(httpx.UnsupportedProtocol("x", request=request))
    assert not is_retryable_exception(ValueError("x"))


def test_should_retry() -> None:
    assert should_retry(0, 2, status_code=503)
    assert should_retry(1, 2, status_code=429, retry_after=MAX_RETRY_AFTER)
    assert not should_retry(2, 2, status_code=503)
    assert not should_retry(0, 2, status_code=404)
    assert not should_retry(0, 2, status_code=429, retry_after=MAX_RETRY_AFTER + 1)
    assert should_retry(0, 2, exc=httpx.ReadTimeout("x"))
    assert not should_retry(0, 0, exc=httpx.ReadTimeout("x"))


def test_retry_delay() -> None:
    assert retry_delay(0, 2.5) == 2.5
    assert retry_delay(0, 1000) == MAX_RETRY_AFTER
    assert retry_delay(0, -1) == 0
    assert retry_delay(0, rand=lambda: 0.0) == INITIAL_RETRY_DELAY
    assert retry_delay(1, rand=lambda: 0.0) == 2 * INITIAL_RETRY_DELAY
    assert retry_delay(0, rand=lambda: 1.0) == 0.75 * INITIAL_RETRY_DELAY
    assert retry_delay(30, rand=lambda: 0.0) == MAX_RETRY_DELAY


@pytest.mark.parametrize(
    ("status", "ambiguous"),
    [
        (200, True),
        (202, True),
        (301, False),
        (400, False),
        (402, False),
        (408, True),
        (429, False),
        (500, True),
        (504, True),
    ],
)
def test_is_ambiguous_submit_status(status: int, ambiguous: bool) -> None:
    assert is_ambiguous_submit_status(status) is ambiguous
