"""The fake's in-memory state: tasks, files, balances and key states, behind one lock.

Everything is scoped per API key: a key sees only its own tasks and files and has its own
balance. Streamlit sessions share one fake, so every read and write holds `lock`.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import httpx

from fake_modelhunter.auth import KeyState
from fake_modelhunter.clock import Clock, utc
from fake_modelhunter.files import FileRecord
from fake_modelhunter.replies import ServiceError
from fake_modelhunter.tasks import TaskRecord, Timing
from fake_modelhunter.urls import SIGNED_URL_TTL_S, Origins, SignedUrls
from fake_modelhunter.videos import VideoStore

if TYPE_CHECKING:
    from fake_modelhunter.synth import SynthRequest

__all__ = [
    "DEFAULT_BALANCE",
    "Incoming",
    "Mount",
    "State",
    "json_body",
]

DEFAULT_BALANCE = Decimal("50")
Mount = Literal["api", "storage", "cdn"]
_MOUNT_PREFIX: dict[str, str] = {"api": "", "storage": "/storage", "cdn": "/cdn"}


@dataclass(frozen=True)
class Incoming:
    """One request, independent of the transport that brought it."""

    method: str
    mount: Mount
    path: str
    query: dict[str, str]
    headers: httpx.Headers
    body: bytes
    origins: Origins

    @property
    def log_path(self) -> str:
        """`/tasks/x` for the API, `/storage/...` and `/cdn/...` for the other hosts."""
        return _MOUNT_PREFIX[self.mount] + self.path


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_body(body: bytes) -> Any:
    """The parsed JSON body.

    Raises:
        ServiceError: 400 `MISSING_PARAMETER` when empty, `INVALID_PARAMETER` when not JSON.
    """
    if not body.strip():
        raise ServiceError(400, "MISSING_PARAMETER", "A JSON request body is required")
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        raise ServiceError(400, "INVALID_PARAMETER", "The request body is not valid JSON") from None


class State:
    """Tasks, files, balances and key states of one fake instance."""

    def __init__(
        self,
        clock: Clock,
        timing: Timing,
        *,
        synthesize_videos: bool,
        render: Callable[[SynthRequest], bytes] | None = None,
        default_balance: Decimal,
        default_cdn: str,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.timing = timing
        self.default_balance = default_balance
        self.default_cdn = default_cdn  # uploaded-file URLs under it are recognised too
        self.tasks: dict[str, TaskRecord] = {}
        self.owned: dict[str, list[TaskRecord]] = {}
        self.files: dict[str, FileRecord] = {}
        self.balances: dict[str, Decimal] = {}
        self.key_states: dict[str, KeyState] = {}
        self.task_failures: list[tuple[str, str]] = []
        self.uploads = SignedUrls("X-Amz-Expires", "X-Amz-Signature")
        self.results = SignedUrls("expires", "signature")
        self.videos = VideoStore(synthesize=synthesize_videos, render=render)
        self._open_charges: dict[str, list[TaskRecord]] = {}
        self._last_created: datetime | None = None

    def now(self) -> datetime:
        return utc(self.clock.now())

    def creation_time(self, now: datetime) -> datetime:
        """`now` in whole milliseconds, strictly after the previous task's creation.

        Unique creation times keep the list cursor (a `created_at`) unambiguous.
        """
        moment = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last_created is not None and moment <= self._last_created:
            moment = self._last_created + timedelta(milliseconds=1)
        self._last_created = moment
        return moment

    def new_id(self, prefix: str) -> str:
        while True:
            candidate = f"{prefix}_{secrets.token_hex(6)}"
            if candidate not in self.tasks and candidate not in self.files:
                return candidate

    def add_task(self, record: TaskRecord) -> None:
        self.tasks[record.id] = record
        self.owned.setdefault(record.owner, []).append(record)
        if record.charged:
            self._open_charges.setdefault(record.owner, []).append(record)

    def task_of(self, key: str, task_id: str) -> TaskRecord:
        """A task of this key.

        Raises:
            ServiceError: 404 `TASK_NOT_FOUND` (also for another key's task).
        """
        record = self.tasks.get(task_id)
        if record is None or record.owner != key:
            raise ServiceError(404, "TASK_NOT_FOUND", "Task ID does not exist")
        return record

    def balance_of(self, key: str) -> Decimal:
        """The key's balance after refunds of tasks that failed or were cancelled by now."""
        self.settle(key)
        return self.balances.setdefault(key, self.default_balance)

    def settle(self, key: str) -> None:
        """Refund charged tasks that ended failed/cancelled; forget ones that succeeded."""
        now = self.now()
        still_open = []
        for record in self._open_charges.get(key, []):
            status = record.phase(now).status
            if status in ("failed", "cancelled"):
                self.refund(record)
            elif status != "succeeded":
                still_open.append(record)
        self._open_charges[key] = still_open

    def refund(self, record: TaskRecord) -> None:
        if record.charged and not record.refunded:
            record.refunded = True
            balance = self.balances.setdefault(record.owner, self.default_balance)
            self.balances[record.owner] = balance + record.charged

    def task_json(self, record: TaskRecord, origins: Origins, *, resign: bool) -> dict[str, Any]:
        """The task object at the current time.

        A succeeded task whose result URL has expired reads `expired` in lists; `GET
        /tasks/{id}` (`resign=True`) signs a fresh URL, valid 15 minutes, and reads
        `succeeded` again — the docs say "fetch the task again for a new URL" (§4.7). An
        unexpired URL is kept as it is, so repeated polls see the same address.
        """
        now = self.now()
        phase = record.phase(now)
        expires = record.url_expires_at(phase)
        if expires is None:
            return record.to_json(phase, result=None)
        if now.timestamp() > int(expires.timestamp()):
            if not resign:
                return record.to_json(phase, result=None, expired=True)
            record.url_signed_at = now
            expires = now + timedelta(seconds=SIGNED_URL_TTL_S)
        result: dict[str, Any] = {
            "url": self.results.sign(origins.cdn, f"/results/{record.id}.mp4", expires),
            "duration": record.duration,
            "format": "mp4",
        }
        size = self.videos.size(record.id)
        if size is not None:
            result["size_bytes"] = size
        return record.to_json(phase, result=result)

    def wait_for_videos(self, records: Iterable[TaskRecord], timeout: float) -> None:
        """Give clips of succeeded tasks up to `timeout` seconds to finish rendering, so
        their `size_bytes` is known (it is left out until then; downloads always wait).

        Call without holding `lock`: renders never need it.
        """
        now = self.now()
        self.videos.wait(
            (
                r.id
                for r in records
                if r.phase(now).status == "succeeded" and self.videos.size(r.id) is None
            ),
            timeout=timeout,
        )
