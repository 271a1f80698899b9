"""The client's call log: what a developer needs to see a deviating API, and no secrets."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from modelhunter.calllog import CALL_LOG_SIZE
from modelhunter.client import Client
from modelhunter.errors import ApiConnectionError
from playground.connection import check_connection

KEY = "river_test_" + "L0g" * 10 + "ok"
TASK = {
    "id": "task_1",
    "type": "video",
    "status": "moderation",
    "provider": "kling",
    "model": "kling-v3",
    "created_at": "2026-11-30T09:31:11",
    "gpu_pool": "b",
}


def _client(handler) -> Client:
    return Client(KEY, base_url="https://api.test/api/v1", transport=httpx.MockTransport(handler))


def test_unknown_fields_and_status_words_are_logged_with_status_and_request_id() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"success": True, "data": TASK, "trace": "t"},
            headers={"X-Request-Id": "req_42"},
        )

    client = _client(handler)
    task = client.get_task("task_1")

    [record] = client.calls.records()
    assert task.status == "moderation"
    assert (record.method, record.path, record.status) == ("GET", "/api/v1/tasks/task_1", 200)
    assert record.request_id == "req_42"
    assert record.unknown_fields == ["gpu_pool"]
    assert record.unknown_statuses == ["moderation"]


def test_the_log_keeps_paths_not_queries_and_never_the_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"success": True, "data": [TASK, {"id": "x"}], "pagination": {"hasMore": False}}
        return httpx.Response(200, json=body)

    client = _client(handler)
    page = client.list_tasks(search="secret-ish", limit=5)

    [record] = client.calls.records()
    assert record.path == "/api/v1/tasks"
    assert "secret-ish" not in record.model_dump_json()
    assert KEY not in record.model_dump_json()
    assert len(page.data) == 1 and "1 unreadable item(s) skipped" in record.outcome


def test_a_call_without_reply_is_logged_and_the_log_is_bounded() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = Client(
        KEY,
        base_url="https://api.test/api/v1",
        transport=httpx.MockTransport(handler),
        max_retries=0,
    )
    for _ in range(CALL_LOG_SIZE + 5):
        with pytest.raises(ApiConnectionError):
            client.get_balance()
    records = client.calls.records()
    assert len(records) == CALL_LOG_SIZE
    assert records[-1].status is None and "no reply" in records[-1].outcome


def test_the_check_falls_back_to_the_task_list_when_balance_is_not_offered() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/balance"):
            return httpx.Response(
                404, json={"success": False, "error": {"code": "NOT_FOUND", "message": "no"}}
            )
        return httpx.Response(200, json={"success": True, "data": [], "pagination": {}})

    check = check_connection(_client(handler))
    assert check.ok and check.via == "tasks" and check.balance is None


def test_the_check_reads_balance_and_billing_mode() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        data = {"balance": "45.00", "billingMode": "prepaid", "newThing": 1}
        return httpx.Response(200, json={"success": True, "data": data})

    check = check_connection(_client(handler))
    assert check.ok and check.balance == Decimal("45.00") and check.billing_mode == "prepaid"


def test_a_refused_key_is_reported_as_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        error = {"code": "AUTH_INVALID_TOKEN", "message": "Invalid token"}
        return httpx.Response(401, json={"success": False, "error": error})

    check = check_connection(_client(handler))
    assert not check.ok and "refused" in check.message
