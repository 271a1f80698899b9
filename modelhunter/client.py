"""Synchronous HTTP client for the ModelHunter API (Kling image-to-video and tasks).

Retry policy (constants and pure decision functions in `retries.py`):
* GET, cancel (idempotent) and the file POSTs that create nothing billable (upload-url,
  complete) are retried on 408/429/5xx and on network errors, with jittered exponential
  backoff or the server's `Retry-After`.
* The submit POST is never retried (no idempotency key exists, contract §12): an outcome
  that may have created a task raises `AmbiguousSubmitError`; reconcile with
  `find_by_client_ref` before submitting again.

The API key is sent only as `Authorization: Bearer …` on requests to `base_url`; never to the
presigned upload URL or result downloads, never in a URL, message or repr.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import httpx
from pydantic import BaseModel

from .calllog import CallLog
from .error_replies import raise_for_response
from .errors import (
    AmbiguousSubmitError,
    ApiConnectionError,
    ApiStatusError,
    ApiTimeoutError,
    ConflictError,
    InvalidResponseError,
    TransferError,
    redact,
)
from .keys import mask_key
from .reading import read_reply
from .reconcile import lookup_submit
from .responses import (
    Balance,
    SubmitAck,
    Task,
    TaskPage,
    TaskStatus,
    UploadedFile,
    UploadTicket,
)
from .retries import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    SUBMIT_READ_TIMEOUT,
    is_ambiguous_submit_status,
    retrying,
)
from .transfers import TRANSFER_CHUNK_SIZE, UploadSource, require_http_url
from .wire import iso as _iso
from .wire import segment as _segment
from .wire import submit_body, submit_json

if TYPE_CHECKING:
    from .requests import KlingV3Request, KlingV26Request

__all__ = [
    "DEFAULT_BASE_URL",
    "LIST_PAGE_MAX",
    "Client",
    "mask_key",
]

DEFAULT_BASE_URL = "https://api.modelhunter.ai/api/v1"
LIST_PAGE_MAX = 100
LIST_PAGE_DEFAULT = 20
USER_AGENT = "kling-playground/0.1"

SUBMIT_PATH = "/kling/image-to-video"

# Raised before a single byte of the request left this machine: safe to report as "not sent".
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
_KEY_CHARS = re.compile(r"^[\x21-\x7e]+$")

M = TypeVar("M", bound=BaseModel)


class Client:
    """ModelHunter API client. Use as a context manager, or call `close()`.

    Args:
        api_key: `river_live_…` or `river_test_…`.
        base_url: API root, e.g. a fake server's address in tests.
        timeout: per-operation timeouts for every request.
        submit_timeout: read timeout of the submit POST (seconds); slow is cheaper than unknown.
        max_retries: retries for requests that are safe to repeat (never for submit).
        transport: an httpx transport, e.g. `httpx.MockTransport` for tests and demo mode.
        sleep: called with seconds between retries; inject a fake in tests.

    Raises:
        ValueError: the key is empty or contains characters a header cannot carry.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        submit_timeout: float = SUBMIT_READ_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        api_key = (api_key or "").strip()
        if not api_key:
            raise ValueError("An API key is required.")
        if not _KEY_CHARS.match(api_key):
            raise ValueError("The API key contains spaces or characters that are not allowed.")
        self._api_key = api_key
        self._auth = {"Authorization": f"Bearer {api_key}"}
        self._sleep = sleep
        self.max_retries = max_retries
        self.submit_timeout = submit_timeout
        # No auth in the client's default headers: it is added per request to base_url only,
        # so uploads and downloads through the same connection pool never carry it.
        self.calls = CallLog()
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
            event_hooks={
                "request": [self.calls.on_request],
                "response": [self.calls.on_response],
            },
        )

    @property
    def base_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, api_key={mask_key(self._api_key)!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _connection_error(self, exc: httpx.TransportError) -> ApiConnectionError:
        try:
            host = exc.request.url.host
        except RuntimeError:  # httpx raises this when the error carries no request
            host = "the server"
        detail = redact(str(exc), (self._api_key,)) or type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            return ApiTimeoutError(f"No reply from {host} in time ({type(exc).__name__}).")
        return ApiConnectionError(f"Could not reach {host}: {detail}")

    def _send(
        self,
        build: Callable[[], httpx.Request],
        *,
        retry: bool,
        stream: bool = False,
        follow_redirects: bool = False,
    ) -> httpx.Response:
        """Send `build()`, rebuilding it for each retry; HTTP errors are returned, not raised.

        Raises:
            ApiConnectionError: (or ApiTimeoutError) when no reply came, retries spent.
        """

        def once() -> httpx.Response:
            return self._http.send(build(), stream=stream, follow_redirects=follow_redirects)

        try:
            if not retry:
                return once()
            return retrying(self.max_retries, self._sleep)(once)
        except httpx.TransportError as exc:
            self._no_reply(exc)
            raise self._connection_error(exc) from exc

    def _no_reply(self, exc: httpx.TransportError) -> None:
        with contextlib.suppress(RuntimeError):  # an error without its request
            self.calls.on_no_reply(exc.request, exc)

    def _api(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        retry: bool = True,
    ) -> httpx.Response:
        def build() -> httpx.Request:
            return self._http.build_request(
                method, path.lstrip("/"), params=params, json=json, headers=self._auth
            )

        response = self._send(build, retry=retry)
        raise_for_response(response, secrets=(self._api_key,))
        return response

    def _parse(self, response: httpx.Response, model: type[M], *, enveloped: bool = True) -> M:
        return read_reply(response, model, enveloped=enveloped, secrets=(self._api_key,))

    def submit(self, request: KlingV3Request | KlingV26Request) -> SubmitAck:
        """Create a task: `POST /kling/image-to-video` with the request's JSON. Never retried.

        Connection failures that happen before the request is sent (DNS, refused, connect
        timeout, pool timeout) cannot have created anything and raise `ApiConnectionError`.
        Anything after the bytes may have reached the server (read timeout, reset, a 5xx
        or 408 that a gateway may send while the backend goes on, an unreadable 2xx) raises
        `AmbiguousSubmitError` with the request's `metadata.client_ref`.

        Raises:
            AmbiguousSubmitError: the task may exist; reconcile with `find_by_client_ref`.
            ApiStatusError: a 4xx refusal (nothing was created), e.g. InsufficientBalanceError.
            ApiConnectionError: the request was never sent.
        """
        body = submit_json(request)
        metadata = body.get("metadata") or {}
        client_ref = metadata.get("client_ref") if isinstance(metadata, dict) else None
        timeout = self._http.timeout
        http_request = self._http.build_request(
            "POST",
            SUBMIT_PATH.lstrip("/"),
            content=submit_body(request),  # the bytes copy-as-code shows
            headers={**self._auth, "Content-Type": "application/json"},
            timeout=httpx.Timeout(
                connect=timeout.connect,
                read=self.submit_timeout,
                write=timeout.write,
                pool=timeout.pool,
            ),
        )
        try:
            response = self._http.send(http_request)
        except _NOT_SENT as exc:
            self._no_reply(exc)
            raise self._connection_error(exc) from exc
        except httpx.TransportError as exc:
            self._no_reply(exc)
            raise AmbiguousSubmitError(
                f"The submit request was sent but no reply came ({type(exc).__name__}); "
                "the task may or may not exist.",
                client_ref=client_ref,
            ) from exc
        try:
            raise_for_response(response, secrets=(self._api_key,))
            return self._parse(response, SubmitAck)
        except (ApiStatusError, InvalidResponseError) as exc:
            # A 2xx that says `success: false` is an explicit refusal, not ambiguous.
            explicit = isinstance(exc, ApiStatusError) and response.is_success
            if explicit or not is_ambiguous_submit_status(response.status_code):
                raise
            raise AmbiguousSubmitError(
                f"The submit request got HTTP {response.status_code} ({exc.message}); "
                "the task may or may not exist.",
                client_ref=client_ref,
                status_code=response.status_code,
            ) from exc

    def get_task(self, task_id: str) -> Task:
        """`GET /tasks/{id}`.

        Raises:
            NotFoundError: no such task for this key (TASK_NOT_FOUND).
        """
        return self._parse(self._api("GET", f"/tasks/{_segment(task_id)}"), Task)

    def list_tasks(
        self,
        *,
        status: TaskStatus | str | None = None,
        provider: str | None = None,
        model_id: str | None = None,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        search: str | None = None,
        limit: int = LIST_PAGE_DEFAULT,
        cursor: str | None = None,
    ) -> TaskPage:
        """One page of `GET /tasks`, newest first. Dates are sent as ISO-8601 UTC.

        Raises:
            ValueError: `limit` outside 1–100.
        """
        if not 1 <= limit <= LIST_PAGE_MAX:
            raise ValueError(f"limit must be between 1 and {LIST_PAGE_MAX}.")
        query = {
            "status": str(status) if status is not None else None,
            "provider": provider,
            "modelId": model_id,
            "startDate": _iso(start_date),
            "endDate": _iso(end_date),
            "search": search,
            "limit": limit,
            "cursor": cursor,
        }
        params = {k: v for k, v in query.items() if v is not None}
        return self._parse(self._api("GET", "/tasks", params=params), TaskPage, enveloped=False)

    def iter_tasks(
        self,
        *,
        status: TaskStatus | str | None = None,
        provider: str | None = None,
        model_id: str | None = None,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        search: str | None = None,
        page_size: int = LIST_PAGE_MAX,
    ) -> Iterator[Task]:
        """Every matching task, newest first, following the cursor to the last page.

        Stops if the server repeats a cursor; a task seen on two pages is yielded once.
        """
        cursor: str | None = None
        seen_cursors: set[str] = set()
        seen_ids: set[str] = set()
        while True:
            page = self.list_tasks(
                status=status,
                provider=provider,
                model_id=model_id,
                start_date=start_date,
                end_date=end_date,
                search=search,
                limit=page_size,
                cursor=cursor,
            )
            for task in page.data:
                if task.id not in seen_ids:
                    seen_ids.add(task.id)
                    yield task
            cursor = page.pagination.cursor
            if not page.pagination.has_more or not cursor or cursor in seen_cursors:
                return
            seen_cursors.add(cursor)

    def cancel(self, task_id: str) -> Task:
        """`POST /tasks/{id}/cancel` (contract §12). Safe to repeat: cancelling a task that is
        already cancelled returns it (one extra GET on the 409).

        Raises:
            ConflictError: the task already finished otherwise (TASK_NOT_CANCELLABLE).
        """
        try:
            return self._parse(self._api("POST", f"/tasks/{_segment(task_id)}/cancel"), Task)
        except ConflictError:
            task = self.get_task(task_id)
            if task.status is TaskStatus.CANCELLED:
                return task
            raise

    def find_by_client_ref(
        self, client_ref: str, *, created_after: datetime | None = None, model: str | None = None
    ) -> Task | None:
        """The task whose `metadata.client_ref` is `client_ref` (see `reconcile`), or None.

        `created_after` is our clock's submit time; tasks listed without metadata are
        fetched one by one and matched there.
        """
        return lookup_submit(self, client_ref, submitted_at=created_after, model=model).task

    def get_balance(self) -> Balance:
        """`GET /balance`: account balance in USD."""
        return self._parse(self._api("GET", "/balance"), Balance)

    def upload_file(
        self,
        source: Path | str | BinaryIO,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        size_bytes: int | None = None,
    ) -> UploadedFile:
        """Upload a file in the three documented steps and return it (pass `.url` as image).

        1. `POST /files/upload-url`; 2. `PUT` the bytes, streamed from the file, to the
        presigned URL without the API key; 3. `POST /files/{file_id}/complete`.
        For a path, name, type and size are taken from it; for a file object, `filename` and
        `content_type` are needed unless guessable, and the size is measured if seekable.

        Raises:
            ValueError: name, type or size could not be determined.
            UnprocessableEntityError: FILE_TOO_LARGE; BadRequestError: unsupported type.
            TransferError: the storage refused the upload (e.g. the link expired).
        """
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            with path.open("rb") as handle:
                return self.upload_file(
                    handle,
                    filename=filename or path.name,
                    content_type=content_type,
                    size_bytes=size_bytes if size_bytes is not None else path.stat().st_size,
                )
        upload = UploadSource.describe(
            source, filename=filename, content_type=content_type, size_bytes=size_bytes
        )
        body = {
            "filename": upload.filename,
            "contentType": upload.content_type,
            "sizeBytes": upload.size_bytes,
        }
        ticket = self._parse(self._api("POST", "/files/upload-url", json=body), UploadTicket)
        self._put(ticket.upload_url, upload)
        complete = self._api("POST", f"/files/{_segment(ticket.file_id)}/complete")
        return self._parse(complete, UploadedFile)

    def _put(self, url: str, upload: UploadSource) -> None:
        require_http_url(url)

        def build() -> httpx.Request:
            # Explicit Content-Length: presigned storage PUTs refuse chunked encoding.
            headers = {
                "Content-Type": upload.content_type,
                "Content-Length": str(upload.size_bytes),
            }
            return self._http.build_request("PUT", url, content=upload.chunks(), headers=headers)

        # The body can only be replayed if the file can be rewound.
        response = self._send(build, retry=upload.start is not None)
        if not response.is_success:
            raise TransferError(
                f"The storage answered HTTP {response.status_code} to the upload.",
                direction="upload",
                status_code=response.status_code,
                host=response.request.url.host,
            )

    def download(self, url: str, dest: BinaryIO) -> int:
        """Stream a result (e.g. `task.video.url`) into `dest`; return the bytes written.

        Sent without the API key (signed URLs need none). Failures before the body starts
        are retried; a failure midway is raised, since `dest` already holds part of it.

        Raises:
            TransferError: the URL answered with an error (403/404: the link expired).
            ApiConnectionError: the connection failed.
        """
        require_http_url(url)

        def build() -> httpx.Request:
            return self._http.build_request("GET", url, headers={"Accept": "*/*"})

        response = self._send(build, retry=True, stream=True, follow_redirects=True)
        written = 0
        try:
            if not response.is_success:
                raise TransferError(
                    f"The download answered HTTP {response.status_code}.",
                    direction="download",
                    status_code=response.status_code,
                    host=response.request.url.host,
                )
            for chunk in response.iter_bytes(TRANSFER_CHUNK_SIZE):
                dest.write(chunk)
                written += len(chunk)
        except httpx.TransportError as exc:
            raise self._connection_error(exc) from exc
        finally:
            response.close()
        return written
