"""Response models for the ModelHunter API (contract §2, §4, §5, §6, §8, §9).

The API mixes casings: task, file and upload objects are snake_case, list pagination and
balance are camelCase. Python attributes are snake_case; where the wire name differs it is
kept as the field alias, so `model_dump(by_alias=True)` reproduces the API's JSON exactly.

Read tolerantly (contract §12), in this one place:
* unknown fields are kept (`model_extra`) and listed by `unknown_fields()`, never an error;
* a status word outside §4.2 is kept verbatim (a plain `str`) and means "in progress";
* a timestamp without a timezone is UTC, so no naive datetime ever leaves this module;
* counts, sizes, progress and money accept ints, floats and numeric strings;
* a submit reply with an id is a created task, whatever else is missing;
* a task list is read item by item: an unreadable item is reported in `TaskPage.skipped`.
Every model is frozen.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

__all__ = [
    "TERMINAL",
    "Balance",
    "Envelope",
    "ErrorBody",
    "ErrorEnvelope",
    "Pagination",
    "ResultItem",
    "SkippedItem",
    "SubmitAck",
    "Task",
    "TaskError",
    "TaskPage",
    "TaskStatus",
    "UploadTicket",
    "UploadedFile",
    "WebhookData",
    "WebhookEvent",
    "is_known_status",
    "unknown_fields",
]

T = TypeVar("T")


class _Response(BaseModel):
    model_config = ConfigDict(
        extra="allow", frozen=True, validate_by_name=True, validate_by_alias=True
    )


def _utc(value: datetime) -> datetime:
    """A timestamp without a timezone is UTC (contract §12)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _number(value: Any) -> Any:
    """Numbers may come as numeric strings; a non-numeric string or a bool reads as absent."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return value


def _whole(value: Any) -> Any:
    """A count or size: ints, floats and numeric strings, rounded to a whole number."""
    value = _number(value)
    if isinstance(value, float | Decimal):
        return None if not value.is_finite() else round(value)
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
Whole = Annotated[int | None, BeforeValidator(_whole)]
Amount = Annotated[Decimal | None, BeforeValidator(_number)]
Fraction = Annotated[float | None, BeforeValidator(_number)]


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
_KNOWN = frozenset(s.value for s in TaskStatus)


def _status_word(value: Any) -> Any:
    """A documented word becomes a `TaskStatus`; any other word is kept verbatim."""
    if isinstance(value, str) and value.strip().lower() in _KNOWN:
        return TaskStatus(value.strip().lower())
    return value


# A word outside §4.2 (e.g. `moderation`) stays a plain, non-empty `str`: in progress.
Status = Annotated[TaskStatus | Annotated[str, Field(min_length=1)], BeforeValidator(_status_word)]


def is_known_status(status: TaskStatus | str) -> bool:
    """True for the seven documented status words (contract §4.2)."""
    return isinstance(status, TaskStatus)


class SubmitAck(_Response):
    """Reply to `POST /kling/image-to-video`; `type` reads e.g. `image-to-video` here.

    Only `id` is required: a reply carrying an id means a task was created (and may be
    charged), so it must never be mistaken for an unreadable one.
    """

    id: Annotated[str, Field(min_length=1)]
    status: Status = TaskStatus.PENDING
    type: str | None = None
    provider: str | None = None
    model: str | None = None
    created_at: UtcDatetime | None = None
    estimated_seconds: Whole = None

    @model_validator(mode="before")
    @classmethod
    def _drop_unreadable(cls, data: Any) -> Any:
        """Keep the id whatever happens to the rest: odd optional fields read as absent."""
        if not isinstance(data, dict):
            return data
        clean = dict(data)
        for name in ("status", "type", "provider", "model", "created_at"):
            value = clean.get(name)
            if value is not None and not _readable(cls, name, value):
                clean.pop(name)
        return clean


class ResultItem(_Response):
    """One generated file; `url` is signed and valid for about 15 minutes."""

    url: str
    duration: Fraction = None
    format: str | None = None
    size_bytes: Whole = None


class TaskError(_Response):
    """Why a task failed (HTTP 200 on GET, `status: failed`)."""

    code: str
    message: str = ""


class Task(_Response):
    """A task as returned by GET /tasks/{id}, the task list and webhooks.

    Only id, type, status, provider, model and created_at are always present.
    """

    id: Annotated[str, Field(min_length=1)]
    type: str = "video"
    status: Status
    provider: str = ""
    model: str = ""
    progress: Fraction = None
    cost: Amount = None
    result: list[ResultItem] = Field(default_factory=list)
    error: TaskError | None = None
    created_at: UtcDatetime
    started_at: UtcDatetime | None = None
    completed_at: UtcDatetime | None = None
    metadata: Metadata = None

    @property
    def is_terminal(self) -> bool:
        """True once the task will not change any more (succeeded, failed, cancelled).

        A status word outside the documented list is never terminal.
        """
        return self.status in TERMINAL

    @property
    def status_known(self) -> bool:
        """False for a status word outside the documented list (shown verbatim)."""
        return is_known_status(self.status)

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
    total: Whole = None


class SkippedItem(_Response):
    """A list item that could not be read as a task: its id (if any) and why."""

    id: str | None = None
    reason: str


class TaskPage(_Response):
    """One page of GET /tasks (newest first); `pagination` sits beside `data`.

    `data` is required: a reply without it is unreadable, never an empty page that looks
    like "no tasks". Items are read one by one; the unreadable ones land in `skipped`.
    """

    data: list[Task]
    pagination: Pagination = Field(default_factory=Pagination)
    skipped: list[SkippedItem] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _item_by_item(cls, payload: Any) -> Any:
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            return payload
        tasks: list[Task] = []
        skipped: list[SkippedItem] = []
        for item in payload["data"]:
            try:
                tasks.append(Task.model_validate(item))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "item"
                raw_id = item.get("id") if isinstance(item, dict) else None
                skipped.append(
                    SkippedItem(
                        id=raw_id if isinstance(raw_id, str) else None,
                        reason=f"{where}: {first['msg']}",
                    )
                )
        return {**payload, "data": tasks, "skipped": skipped}


class UploadTicket(_Response):
    """Reply to POST /files/upload-url: a presigned PUT address valid for 15 minutes."""

    upload_url: str
    file_id: str
    expires_at: UtcDatetime | None = None


class UploadedFile(_Response):
    """Reply to POST /files/{id}/complete; pass `url` as `input.image`."""

    id: str
    url: str
    filename: str | None = None
    content_type: str | None = None
    size_bytes: Whole = None
    created_at: UtcDatetime | None = None


class Balance(_Response):
    """Reply to GET /balance (camelCase on the wire), amounts in USD."""

    balance: Amount
    billing_mode: str | None = Field(default=None, alias="billingMode")
    monthly_spend_limit: Amount = Field(default=None, alias="monthlySpendLimit")
    auto_top_up_enabled: bool | None = Field(default=None, alias="autoTopUpEnabled")
    auto_top_up_threshold: Amount = Field(default=None, alias="autoTopUpThreshold")
    auto_top_up_amount: Amount = Field(default=None, alias="autoTopUpAmount")


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
    created_at: UtcDatetime
    data: WebhookData


@functools.cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    return TypeAdapter(model.model_fields[name].rebuild_annotation())


def _readable(model: type[BaseModel], name: str, value: Any) -> bool:
    """Whether `value` passes the validation of field `name` of `model` on its own."""
    try:
        _field_adapter(model, name).validate_python(value)
    except ValidationError:
        return False
    return True


def unknown_fields(model: BaseModel, prefix: str = "") -> list[str]:
    """Dotted paths of every field the API sent that these models do not know."""
    found = [f"{prefix}{name}" for name in (model.model_extra or {})]
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, BaseModel):
                where = f"{prefix}{name}" + (f"[{index}]" if isinstance(value, list) else "")
                found.extend(unknown_fields(item, where + "."))
    return found
