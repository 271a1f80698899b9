"""Every example response, error and webhook body in tests/fixtures/api parses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from modelhunter.responses import (
    TERMINAL,
    Balance,
    Envelope,
    ErrorEnvelope,
    SubmitAck,
    Task,
    TaskPage,
    TaskStatus,
    UploadedFile,
    UploadTicket,
    WebhookEvent,
    unknown_fields,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "api"

# Request bodies are covered by the request models' tests.
REQUEST_EXAMPLES = {
    "api-key-create-request.json",
    "submit-request-v2-6.json",
    "submit-request-v3.json",
    "upload-url-request.json",
    "webhook-register-request.json",
}


def _load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


def _parse(name: str, body: Any) -> BaseModel:
    """The model each example body is meant for, chosen by its shape."""
    if name.startswith("webhook-payload"):
        return WebhookEvent.model_validate(body)
    if body.get("success") is False:
        return ErrorEnvelope.model_validate(body)
    if "pagination" in body:
        return TaskPage.model_validate(body)
    model: type[BaseModel] = {
        "submit-response.json": SubmitAck,
        "balance-response.json": Balance,
        "upload-url-response.json": UploadTicket,
        "file-complete-response.json": UploadedFile,
    }.get(name, Task)
    return Envelope[model].model_validate(body).data  # type: ignore[valid-type]


RESPONSE_EXAMPLES = sorted(
    p.name for p in EXAMPLES.glob("*.json") if p.name not in REQUEST_EXAMPLES
)


def test_examples_folder_found() -> None:
    assert len(RESPONSE_EXAMPLES) >= 15


@pytest.mark.parametrize("name", RESPONSE_EXAMPLES)
def test_every_example_parses(name: str) -> None:
    body = _load(name)
    parsed = _parse(name, body)
    # Dumping with aliases gives back the API's own keys (mixed casing kept).
    dumped = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
    source = body if name.startswith("webhook-payload") else body.get("data", body)
    if isinstance(source, dict) and "pagination" not in body:
        assert set(dumped) <= set(source) | {"result", "success"}


def test_submit_ack() -> None:
    ack = Envelope[SubmitAck].model_validate(_load("submit-response.json")).data
    assert ack.id == "task_ghi789"
    assert ack.status is TaskStatus.PENDING
    assert ack.type == "image-to-video"
    assert ack.estimated_seconds == 60
    assert ack.created_at == datetime(2026, 2, 27, 10, 0, tzinfo=UTC)


def test_succeeded_task_helpers() -> None:
    task = Envelope[Task].model_validate(_load("task-succeeded.json")).data
    assert task.is_terminal
    assert task.cost == Decimal("1.344")
    assert task.video is not None
    assert task.video.url.startswith("https://cdn.modelhunter.ai/results/")
    assert task.video.size_bytes == 18874368
    assert task.metadata == {"project": "demo", "shot": "lighthouse-01"}


def test_running_task_is_not_terminal() -> None:
    task = Envelope[Task].model_validate(_load("task-running.json")).data
    assert not task.is_terminal
    assert task.progress == 40
    assert task.video is None
    assert task.result == []


def test_failed_task_error() -> None:
    task = Envelope[Task].model_validate(_load("task-failed.json")).data
    assert task.status is TaskStatus.FAILED
    assert task.error is not None
    assert task.error.code == "PROVIDER_ERROR"


def test_task_page_pagination_alias() -> None:
    page = TaskPage.model_validate(_load("task-list-response.json"))
    assert [t.id for t in page.data] == ["task_ghi789", "task_jkl012"]
    assert page.pagination.has_more is True
    assert page.pagination.cursor == "2026-01-15T09:50:00Z"
    assert page.pagination.total == 42
    assert page.model_dump(by_alias=True)["pagination"]["hasMore"] is True


def test_balance_camel_case() -> None:
    balance = Envelope[Balance].model_validate(_load("balance-response.json")).data
    assert balance.balance == Decimal("45.00")
    assert balance.billing_mode == "prepaid"
    assert balance.auto_top_up_enabled is False
    assert "billingMode" in balance.model_dump(by_alias=True)


def test_error_envelope_details() -> None:
    env = ErrorEnvelope.model_validate(_load("error-validation.json"))
    assert env.error.code == "VALIDATION_ERROR"
    assert env.error.details == {
        "field": "input.duration",
        "reason": "kling-v2-6 supports duration 5 or 10",
    }


def test_webhook_event() -> None:
    event = WebhookEvent.model_validate(_load("webhook-payload.json"))
    assert event.type == "task.completed"
    assert event.data.task.video is not None
    failed = WebhookEvent.model_validate(_load("webhook-payload-failed.json"))
    assert failed.data.task.status is TaskStatus.FAILED


def test_unknown_fields_ignored_and_optional_fields_absent() -> None:
    task = Task.model_validate(
        {
            "id": "task_x",
            "type": "video",
            "status": "queued",
            "provider": "kling",
            "model": "kling-v3",
            "created_at": "2026-01-01T00:00:00Z",
            "brand_new_field": {"nested": True},
        }
    )
    assert task.progress is None and task.cost is None and task.metadata is None
    assert task.client_ref is None


def test_metadata_values_coerced_to_strings() -> None:
    task = Task.model_validate(
        {
            "id": "task_x",
            "type": "video",
            "status": "running",
            "provider": "kling",
            "model": "kling-v3",
            "created_at": "2026-01-01T00:00:00Z",
            "metadata": {"client_ref": "ref-1", "attempt": 2, "flag": True},
        }
    )
    assert task.metadata == {"client_ref": "ref-1", "attempt": "2", "flag": "true"}
    assert task.client_ref == "ref-1"


def test_terminal_set() -> None:
    assert {
        TaskStatus.SUCCEEDED,
        TaskStatus.FAILED,
        TaskStatus.CANCELLED,
    } == TERMINAL
    assert TaskStatus.EXPIRED not in TERMINAL


# Read tolerantly (contract §12): what a newer or odder API may send never stalls a run.

_TASK = {
    "id": "task_x",
    "type": "video",
    "status": "running",
    "provider": "kling",
    "model": "kling-v3",
    "created_at": "2026-11-30T09:31:11Z",
}


def test_a_timestamp_without_timezone_is_utc() -> None:
    task = Task.model_validate({**_TASK, "created_at": "2026-11-30T09:31:11.432"})
    assert task.created_at == datetime(2026, 11, 30, 9, 31, 11, 432000, tzinfo=UTC)
    ack = SubmitAck.model_validate({"id": "t", "created_at": "2026-11-30T09:31:11"})
    assert ack.created_at is not None and ack.created_at.tzinfo is not None


@pytest.mark.parametrize("word", ["moderation", "processing", "Waiting_For_GPU"])
def test_an_unknown_status_word_is_kept_and_means_in_progress(word: str) -> None:
    task = Task.model_validate({**_TASK, "status": word})
    assert task.status == word and not task.status_known
    assert not task.is_terminal


def test_documented_words_are_read_whatever_their_case() -> None:
    task = Task.model_validate({**_TASK, "status": "Succeeded"})
    assert task.status is TaskStatus.SUCCEEDED and task.is_terminal


@pytest.mark.parametrize(
    ("wire", "progress", "cost", "seconds"),
    [
        ({"progress": 46, "cost": 0.504}, 46.0, Decimal("0.504"), None),
        ({"progress": "46", "cost": "0.504"}, 46.0, Decimal("0.504"), None),
        ({"progress": 46.5, "cost": 1}, 46.5, Decimal(1), None),
        ({"progress": "n/a", "cost": ""}, None, None, None),
    ],
)
def test_numbers_may_be_ints_floats_or_numeric_strings(wire, progress, cost, seconds) -> None:
    task = Task.model_validate({**_TASK, **wire})
    assert (task.progress, task.cost) == (progress, cost)


def test_sizes_and_estimates_accept_strings_and_floats() -> None:
    ack = SubmitAck.model_validate({"id": "t", "estimated_seconds": "60.4"})
    assert ack.estimated_seconds == 60
    item = Task.model_validate(
        {**_TASK, "status": "succeeded", "result": [{"url": "u", "size_bytes": "1024"}]}
    ).result[0]
    assert item.size_bytes == 1024


def test_a_submit_reply_with_an_id_is_a_created_task_whatever_else_is_odd() -> None:
    ack = SubmitAck.model_validate(
        {"id": "task_9", "status": 3, "model": ["?"], "created_at": "soon", "x": 1}
    )
    assert ack.id == "task_9"
    assert ack.status is TaskStatus.PENDING and ack.model is None and ack.created_at is None


def test_unknown_fields_are_kept_and_listed() -> None:
    task = Task.model_validate(
        {
            **_TASK,
            "region": "eu",
            "result": [{"url": "u", "codec": "h265"}],
            "error": {"code": "X", "retryable": True},
        }
    )
    assert sorted(unknown_fields(task)) == ["error.retryable", "region", "result[0].codec"]


def test_a_list_is_read_item_by_item() -> None:
    page = TaskPage.model_validate(
        {"data": [_TASK, {**_TASK, "id": "task_bad", "created_at": "never"}, {"id": 5}]}
    )
    assert [t.id for t in page.data] == ["task_x"]
    assert [s.id for s in page.skipped] == ["task_bad", None]
    assert "created_at" in page.skipped[0].reason


def test_a_list_reply_without_data_is_not_an_empty_page() -> None:
    with pytest.raises(ValueError, match="data"):
        TaskPage.model_validate({"success": True, "pagination": {"hasMore": False}})
