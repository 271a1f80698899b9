"""Response models for the ModelHunter API (contract §2, §4, §5, §6, §8, §9).

The API mixes casings: task, file and upload objects are snake_case, list pagination and
balance are camelCase. Python attributes are snake_case; where the wire name differs it is
kept as the field alias, so `model_dump(by_alias=True)` reproduces the API's JSON exactly.
Unknown fields are ignored (the API may add some); every model is frozen.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "TERMINAL",
    "Balance",
    "Envelope",
    "ErrorBody",
    "ErrorEnvelope",
    "Pagination",
    "ResultItem",
    "SubmitAck",
    "Task",
    "TaskError",
    "TaskPage",
    "TaskStatus",
    "UploadTicket",
    "UploadedFile",
    "WebhookData",
    "WebhookEvent",
]

T = TypeVar("T")


class _Response(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True, validate_by_name=True, validate_by_alias=True
    )


def _stringify_values(value: Any) -> Any:
    """Metadata is free-form on the API; a task made by another tool may carry numbers.

    Coerce scalar values to strings rather than fail a whole task list on one odd entry.
    """
    if not isinstance(value, dict):
        return value
    return {
        str(k): v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
        for k, v in value.items()
    }


Metadata = Annotated[dict[str, str] | None, BeforeValidator(_stringify_values)]


class TaskStatus(StrEnum):
    """Task lifecycle states (contract §4.2)."""

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# `expired` is not terminal: re-fetching the task re-signs the result URL (contract §4.7).
TERMINAL: frozenset[TaskStatus] = frozenset(
    {TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED}
)


class SubmitAck(_Response):
    """Reply to `POST /kling/image-to-video`; `type` reads e.g. `image-to-video` here."""

    id: str
    status: TaskStatus
    type: str
    provider: str
    model: str
    created_at: datetime
    estimated_seconds: int | None = None


class ResultItem(_Response):
    """One generated file; `url` is signed and valid for about 15 minutes."""

    url: str
    duration: float | None = None
    format: str | None = None
    size_bytes: int | None = None


class TaskError(_Response):
    """Why a task failed (HTTP 200 on GET, `status: failed`)."""

    code: str
    message: str = ""


class Task(_Response):
    """A task as returned by GET /tasks/{id}, the task list and webhooks.

    Only id, type, status, provider, model and created_at are always present.
    """

    id: str
    type: str
    status: TaskStatus
    provider: str
    model: str
    progress: float | None = None
    cost: Decimal | None = None
    result: list[ResultItem] = Field(default_factory=list)
    error: TaskError | None = None
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    metadata: Metadata = None

    @property
    def is_terminal(self) -> bool:
        """True once the task will not change any more (succeeded, failed, cancelled)."""
        return self.status in TERMINAL

    @property
    def video(self) -> ResultItem | None:
        """The first result item, if any."""
        return self.result[0] if self.result else None

    @property
    def client_ref(self) -> str | None:
        """The `metadata.client_ref` this app attached at submit time, if any."""
        return (self.metadata or {}).get("client_ref")


class Pagination(_Response):
    cursor: str | None = None
    has_more: bool = Field(default=False, alias="hasMore")
    total: int | None = None


class TaskPage(_Response):
    """One page of GET /tasks (newest first); `pagination` sits beside `data`."""

    data: list[Task] = Field(default_factory=list)
    pagination: Pagination = Field(default_factory=Pagination)


class UploadTicket(_Response):
    """Reply to POST /files/upload-url: a presigned PUT address valid for 15 minutes."""

    upload_url: str
    file_id: str
    expires_at: datetime | None = None


class UploadedFile(_Response):
    """Reply to POST /files/{id}/complete; pass `url` as `input.image`."""

    id: str
    url: str
    filename: str | None = None
    content_type: str | None = None
    size_bytes: int | None = None
    created_at: datetime | None = None


class Balance(_Response):
    """Reply to GET /balance (camelCase on the wire), amounts in USD."""

    balance: Decimal
    billing_mode: str | None = Field(default=None, alias="billingMode")
    monthly_spend_limit: Decimal | None = Field(default=None, alias="monthlySpendLimit")
    auto_top_up_enabled: bool | None = Field(default=None, alias="autoTopUpEnabled")
    auto_top_up_threshold: Decimal | None = Field(default=None, alias="autoTopUpThreshold")
    auto_top_up_amount: Decimal | None = Field(default=None, alias="autoTopUpAmount")


class ErrorBody(_Response):
    code: str
    message: str = ""
    details: dict[str, Any] | None = None


class ErrorEnvelope(_Response):
    """`{"success": false, "error": {...}}`."""

    success: Literal[False] = False
    error: ErrorBody


class Envelope(_Response, Generic[T]):
    """`{"success": true, "data": ...}` around every successful single-object reply."""

    success: Literal[True] = True
    data: T


class WebhookData(_Response):
    task: Task


class WebhookEvent(_Response):
    """Body of a webhook call; `type` is e.g. `task.completed` or `task.failed`."""

    id: str
    type: str
    created_at: datetime
    data: WebhookData
