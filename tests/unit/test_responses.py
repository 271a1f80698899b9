"""Every example response, error and webhook body in shared/api/examples parses."""

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
)

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "api" / "examples"

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
