"""The offline ModelHunter at the HTTP level: auth, validation, lifecycle, billing, cancel,
list, URL expiry, files, faults and real MP4 results (ManualClock; nothing sleeps)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import av
import httpx
import pytest
from PIL import Image

from fake_modelhunter import (
    FAIL_TOKEN,
    FakeModelHunter,
    FaultPlan,
    ManualClock,
    RealClock,
    Timing,
    serve,
)
from fake_modelhunter.__main__ import main
from fake_modelhunter.rules import read_request
from fake_modelhunter.synth import SynthRequest
from fake_modelhunter.videos import VideoStore, synth_request, tiny_mp4

TEST_KEY = "river_test_" + "T" * 32
LIVE_KEY = "river_live_" + "L" * 32
OTHER_KEY = "river_test_" + "o" * 32
IMAGE_URL = "https://images.example.com/cat.jpg"
V3_5S_TOTAL = 2 + 5 + 30  # default Timing: pending 2 s, queued 5 s, running 6 × duration


def body(model: str = "kling-v3", metadata: dict[str, str] | None = None, **fields: Any) -> dict:
    return {
        "model": model,
        "input": {"image": IMAGE_URL, "duration": 5, **fields},
        "metadata": metadata or {"project": "demo"},
    }


def png(width: int = 320, height: int = 180) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def fake(fake_modelhunter: FakeModelHunter) -> FakeModelHunter:
    return fake_modelhunter


@pytest.fixture
def clock(manual_clock: ManualClock) -> ManualClock:
    return manual_clock


def client(fake: FakeModelHunter, key: str | None = TEST_KEY, **kw: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(
        transport=httpx.MockTransport(fake.handle),
        base_url=fake.base_url + "/",
        headers=headers,
        **kw,
    )


@pytest.fixture
def api(fake: FakeModelHunter) -> Iterator[httpx.Client]:
    with client(fake) as http:
        yield http


def submit(http: httpx.Client, payload: dict | None = None) -> dict:
    response = http.post("kling/image-to-video", json=payload or body())
    assert response.status_code == 202, response.text
    return response.json()["data"]


def error(response: httpx.Response) -> dict:
    payload = response.json()
    assert payload["success"] is False
    return payload["error"]


def upload(http: httpx.Client, data: bytes, content_type: str = "image/png") -> httpx.Response:
    ticket = http.post(
        "files/upload-url",
        json={"filename": "x.png", "contentType": content_type, "sizeBytes": len(data)},
    ).json()["data"]
    put = http.put(ticket["upload_url"], content=data, headers={"Content-Type": content_type})
    assert put.status_code == 200, put.text
    return http.post(f"files/{ticket['file_id']}/complete")


# Auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "AUTH_REQUIRED"),
        ("Bearer nope", "AUTH_INVALID_TOKEN"),
        ("Bearer river_prod_" + "a" * 32, "AUTH_INVALID_TOKEN"),
        ("Bearer river_test_" + "a" * 31, "AUTH_INVALID_TOKEN"),
        ("Basic " + TEST_KEY, "AUTH_INVALID_TOKEN"),
    ],
)
def test_missing_or_malformed_keys_are_refused(
    fake: FakeModelHunter, authorization: str | None, code: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    with client(fake, key=None) as http:
        response = http.get("balance", headers=headers)
    assert response.status_code == 401
    assert error(response)["code"] == code


@pytest.mark.parametrize(
    ("state", "status", "code"),
    [
        ("revoked", 403, "KEY_REVOKED"),
        ("expired", 401, "AUTH_TOKEN_EXPIRED"),
        ("no_permission", 403, "KEY_PERMISSION_DENIED"),
        ("key_expired", 403, "KEY_EXPIRED"),
    ],
)
def test_scripted_key_states(
    fake: FakeModelHunter, api: httpx.Client, state: Any, status: int, code: str
) -> None:
    fake.set_key_state(TEST_KEY, state)
    response = api.post("kling/image-to-video", json=body())
    assert (response.status_code, error(response)["code"]) == (status, code)
    with client(fake, OTHER_KEY) as other:
        assert other.get("balance").status_code == 200
    fake.set_key_state(TEST_KEY, "active")
    assert api.get("balance").status_code == 200


def test_any_key_of_the_documented_shape_works_and_sees_only_its_own_tasks(
    fake: FakeModelHunter, api: httpx.Client
) -> None:
    task = submit(api)
    with client(fake, OTHER_KEY) as other:
        assert other.get("tasks").json()["data"] == []
        missing = other.get(f"tasks/{task['id']}")
        assert (missing.status_code, error(missing)["code"]) == (404, "TASK_NOT_FOUND")
    assert [t["id"] for t in api.get("tasks").json()["data"]] == [task["id"]]


def test_request_log_records_method_path_status_but_never_the_key(
    fake: FakeModelHunter, api: httpx.Client
) -> None:
    api.get("balance")
    api.get("tasks/task_nope")
    assert [(r.method, r.path, r.status) for r in fake.requests] == [
        ("GET", "/balance", 200),
        ("GET", "/tasks/task_nope", 404),
    ]
    assert TEST_KEY not in repr(fake.requests)


# Validation -----------------------------------------------------------------------------------


def test_validation_error_envelope_names_every_problem_in_plain_words(api: httpx.Client) -> None:
    response = api.post(
        "kling/image-to-video", json=body("kling-v3", duration=2, mode="ultra", image="x")
    )
    assert response.status_code == 400
    err = error(response)
    assert err["code"] == "VALIDATION_ERROR"
    details = err["details"]
    assert err["message"] == details["reason"] == details["errors"][0]["reason"]
    assert details["field"] == details["errors"][0]["field"] == "input.image"
    fields = [e["field"] for e in details["errors"]]
    assert fields == ["input.image", "input.duration", "input.mode"]
    assert all(e["reason"] and not e["reason"].startswith("Value error") for e in details["errors"])


def test_validation_error_matches_documented_example(api: httpx.Client) -> None:
    err = error(api.post("kling/image-to-video", json=body("kling-v2-6", duration=7)))
    assert err["code"] == "VALIDATION_ERROR"
    assert err["details"]["field"] == "input.duration"
    assert "5 or 10" in err["details"]["reason"]


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"duration": "5"}, "input.duration"),  # numeric strings are not numbers
        ({"duration": True}, "input.duration"),
        ({"duration": 5.5}, "input.duration"),
        ({"mode": " pro"}, "input.mode"),  # choices match exactly
        ({"prompt": None}, "input.prompt"),  # a field with a default is left out, not null
        ({"aspect_ratio": None}, "input.aspect_ratio"),
        ({"voice_list": None}, "input.voice_list"),
        ({"multi_prompt": [{"index": 1, "prompt": "\u3000 "}], "multi_shot": "true"},
         "input.multi_prompt.0.prompt"),  # trimmed of Unicode white space, then empty
        ({"multi_prompt": [{"index": 1, "prompt": "a"}]}, "input.multi_prompt"),
        ({"multi_shot": "true", "multi_prompt": [{"index": 1, "prompt": "a", "duration": 4}]},
         "input.multi_prompt"),  # shot lengths must add up to the duration
        ({"image_tail": IMAGE_URL, "multi_shot": "true",
          "multi_prompt": [{"index": 1, "prompt": "a"}]}, "input.image_tail"),
        ({"voice_list": [{"voice_id": "v", "text": "t"}]}, "input.voice_list"),  # sound off
    ],
)  # fmt: skip
def test_the_fakes_own_rules_where_the_docs_are_silent(
    api: httpx.Client, fields: dict, where: str
) -> None:
    response = api.post("kling/image-to-video", json=body("kling-v3", **fields))
    assert (response.status_code, error(response)["details"]["field"]) == (400, where)


def test_null_means_nothing_where_nothing_is_a_value(api: httpx.Client) -> None:
    fields = {"image_tail": None, "negative_prompt": None, "multi_shot": None, "duration": 5.0}
    payload = {**body("kling-v3", **fields), "webhookUrl": None, "metadata": None}
    assert api.post("kling/image-to-video", json=payload).status_code == 202
    v26 = body("kling-v2-6", multi_shot=None)
    assert error(api.post("kling/image-to-video", json=v26))["details"] == {
        "field": "input.multi_shot",
        "reason": "Multi-shot is only available on kling-v3, not on kling-v2-6: remove it.",
        "errors": [
            {
                "field": "input.multi_shot",
                "reason": "Multi-shot is only available on kling-v3, not on kling-v2-6: remove it.",
            }
        ],
    }


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"", 400, "MISSING_PARAMETER"),
        (b"{not json", 400, "INVALID_PARAMETER"),
        (b"[1, 2]", 400, "INVALID_PARAMETER"),
        (b'{"input": {}}', 400, "VALIDATION_ERROR"),
        (b'{"model": 3, "input": {}}', 400, "VALIDATION_ERROR"),
        (b'{"model": "kling-v9", "input": {}}', 404, "MODEL_NOT_FOUND"),
        (b'{"model": "kling-v3", "input": {"image": "https://x.y/a.png", "duration": NaN}}', 400,
         "INVALID_PARAMETER"),
    ],
)  # fmt: skip
def test_bad_bodies(api: httpx.Client, content: bytes, status: int, code: str) -> None:
    response = api.post(
        "kling/image-to-video", content=content, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, error(response)["code"]) == (status, code)
    assert error(response)["message"]


def test_unknown_paths_and_wrong_methods_answer_with_the_envelope(
    fake: FakeModelHunter, api: httpx.Client
) -> None:
    missing = api.get("kling/text-to-speech")
    assert (missing.status_code, error(missing)["code"]) == (404, "NOT_FOUND")
    wrong = api.delete("tasks")
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET"
    assert error(wrong)["code"] == "METHOD_NOT_ALLOWED"
    with pytest.raises(httpx.ConnectError):
        api.get("https://example.com/elsewhere")


# Submit and lifecycle ----------------------------------------------------------------------


def test_submit_ack_has_the_documented_shape(api: httpx.Client, clock: ManualClock) -> None:
    response = api.post("kling/image-to-video", json=body())
    assert response.status_code == 202
    assert response.headers["X-Request-Id"].startswith("req_")
    ack = response.json()["data"]
    assert ack["id"].startswith("task_")
    assert {k: v for k, v in ack.items() if k != "id"} == {
        "status": "pending",
        "type": "image-to-video",
        "provider": "kling",
        "model": "kling-v3",
        "created_at": "2026-01-15T10:00:00Z",
        "estimated_seconds": V3_5S_TOTAL,
    }


@pytest.mark.parametrize(
    ("seconds", "status", "progress"),
    [
        (0, "pending", 0),
        (1.9, "pending", 0),
        (2, "queued", 0),
        (6.9, "queued", 0),
        (7, "running", 0),
        (13, "running", 20),
        (22, "running", 50),
        (36.9, "running", 99),
        (37, "succeeded", 100),
        (3600, "succeeded", 100),
    ],
)
def test_lifecycle_follows_the_clock(
    api: httpx.Client, clock: ManualClock, seconds: float, status: str, progress: int
) -> None:
    task_id = submit(api)["id"]
    clock.advance(seconds)
    task = api.get(f"tasks/{task_id}").json()["data"]
    assert (task["status"], task["progress"]) == (status, progress)
    assert task["type"] == "video"
    assert task["metadata"] == {"project": "demo"}
    assert ("started_at" in task) == (status in ("running", "succeeded"))
    assert (
        ("result" in task)
        == ("completed_at" in task)
        == ("cost" in task)
        == (status == "succeeded")
    )


def test_succeeded_task_carries_every_contract_field(
    fake: FakeModelHunter, api: httpx.Client, clock: ManualClock
) -> None:
    task_id = submit(api, body(metadata={"project": "demo", "client_ref": "r1"}))["id"]
    clock.advance(V3_5S_TOTAL)
    task = api.get(f"tasks/{task_id}").json()["data"]
    assert task["started_at"] == "2026-01-15T10:00:07Z"
    assert task["completed_at"] == "2026-01-15T10:00:37Z"
    assert task["cost"] == 0.42
    assert task["metadata"] == {"project": "demo", "client_ref": "r1"}
    [result] = task["result"]
    assert result["url"].startswith(f"https://cdn.modelhunter.ai/results/{task_id}.mp4?")
    assert (result["duration"], result["format"]) == (5, "mp4")
    video = api.get(result["url"], headers={"Authorization": ""})
    assert video.status_code == 200
    assert video.headers["content-type"] == "video/mp4"
    assert len(video.content) == result["size_bytes"]
    assert video.content == tiny_mp4()


def test_timing_presets() -> None:
    assert Timing().total(5) == V3_5S_TOTAL
    assert Timing(pending_s=1, queued_s=1, running_s=10).total(15) == 12
    assert 4 <= Timing.demo().total(5) <= 6 and Timing.demo().total(15) <= 6
    assert Timing.instant().total(10) == 0


def test_instant_timing_succeeds_at_once(clock: ManualClock) -> None:
    fake = FakeModelHunter(clock=clock, timing=Timing.instant(), synthesize_videos=False)
    with fake, client(fake) as http:
        task = http.get(f"tasks/{submit(http)['id']}").json()["data"]
    assert task["status"] == "succeeded"


def test_fail_token_in_prompt_fails_the_task_halfway(api: httpx.Client, clock: ManualClock) -> None:
    task_id = submit(api, body(prompt=f"a cat {FAIL_TOKEN.upper()} dancing"))["id"]
    clock.advance(21.9)
    assert api.get(f"tasks/{task_id}").json()["data"]["status"] == "running"
    clock.advance(0.1)
    task = api.get(f"tasks/{task_id}").json()["data"]
    assert (task["status"], task["progress"]) == ("failed", 0)
    assert task["error"] == {
        "code": "PROVIDER_ERROR",
        "message": "Content moderation: prompt contains restricted content",
    }
    assert task["completed_at"] == "2026-01-15T10:00:22Z"
    assert "result" not in task and "cost" not in task


def test_fail_next_task_fails_only_the_next_task(
    fake: FakeModelHunter, api: httpx.Client, clock: ManualClock
) -> None:
    fake.fail_next_task(code="PROVIDER_UNAVAILABLE", message="Kling is down")
    failing, fine = submit(api)["id"], submit(api)["id"]
    clock.advance(3600)
    assert api.get(f"tasks/{failing}").json()["data"]["error"] == {
        "code": "PROVIDER_UNAVAILABLE",
        "message": "Kling is down",
    }
    assert api.get(f"tasks/{fine}").json()["data"]["status"] == "succeeded"


def test_concurrent_submits_are_all_kept(fake: FakeModelHunter) -> None:
    ids: list[str] = []

    def worker() -> None:
        with client(fake) as http:
            for _ in range(10):
                ids.append(submit(http)["id"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 40 == fake.task_count(TEST_KEY)
    with client(fake) as http:
        created = [t["created_at"] for t in http.get("tasks", params={"limit": 100}).json()["data"]]
    moments = [datetime.fromisoformat(c.replace("Z", "+00:00")) for c in created]
    assert len(set(moments)) == 40 and moments == sorted(moments, reverse=True)


# Billing ------------------------------------------------------------------------------------


def test_balance_has_the_documented_shape(api: httpx.Client) -> None:
    assert api.get("balance").json() == {
        "success": True,
        "data": {
            "balance": 50.0,
            "billingMode": "prepaid",
            "monthlySpendLimit": None,
            "autoTopUpEnabled": False,
            "autoTopUpThreshold": None,
            "autoTopUpAmount": None,
        },
    }


def test_live_keys_pay_at_submit_and_test_keys_never(fake: FakeModelHunter) -> None:
    with client(fake, LIVE_KEY) as live, client(fake, TEST_KEY) as sandbox:
        submit(live, body(mode="pro", sound="on", duration=10))  # 10 × 0.168
        submit(sandbox, body(mode="pro", sound="on", duration=10))
        assert live.get("balance").json()["data"]["balance"] == 48.32
        assert sandbox.get("balance").json()["data"]["balance"] == 50.0
    assert fake.balance(LIVE_KEY) == Decimal("48.320")


def test_insufficient_balance_is_402_and_creates_nothing(fake: FakeModelHunter) -> None:
    fake.set_balance(LIVE_KEY, "0.41")
    with client(fake, LIVE_KEY) as live:
        response = live.post("kling/image-to-video", json=body())  # costs 0.42
        assert (response.status_code, error(response)["code"]) == (402, "INSUFFICIENT_BALANCE")
        assert fake.task_count(LIVE_KEY) == 0
        assert live.post("kling/image-to-video", json=body(duration=4)).status_code == 202
    assert fake.balance(LIVE_KEY) == Decimal("0.41") - Decimal("0.336")


def test_failed_and_cancelled_tasks_are_refunded(fake: FakeModelHunter, clock: ManualClock) -> None:
    with client(fake, LIVE_KEY) as live:
        failing = submit(live, body(prompt="[fail]"))["id"]
        cancelled = submit(live)["id"]
        kept = submit(live)["id"]
        assert fake.balance(LIVE_KEY) == Decimal("50") - 3 * Decimal("0.42")
        assert live.post(f"tasks/{cancelled}/cancel").status_code == 200
        assert fake.balance(LIVE_KEY) == Decimal("50") - 2 * Decimal("0.42")
        clock.advance(3600)
        assert live.get("balance").json()["data"]["balance"] == 49.58
        assert live.get(f"tasks/{failing}").json()["data"]["status"] == "failed"
        assert live.get(f"tasks/{kept}").json()["data"]["cost"] == 0.42


# Cancel ---------------------------------------------------------------------------------------


def test_cancel_before_completion(api: httpx.Client, clock: ManualClock) -> None:
    task_id = submit(api)["id"]
    clock.advance(22)  # running, 50 %
    response = api.post(f"tasks/{task_id}/cancel")
    assert response.status_code == 200
    task = response.json()["data"]
    assert (task["status"], task["progress"]) == ("cancelled", 50)
    assert task["completed_at"] == "2026-01-15T10:00:22Z"
    clock.advance(3600)
    assert api.get(f"tasks/{task_id}").json()["data"] == task
    again = api.post(f"tasks/{task_id}/cancel")
    assert (again.status_code, error(again)["code"]) == (409, "TASK_NOT_CANCELLABLE")


def test_cancel_after_completion_is_409_and_unknown_is_404(
    api: httpx.Client, clock: ManualClock
) -> None:
    task_id = submit(api)["id"]
    clock.advance(V3_5S_TOTAL)
    done = api.post(f"tasks/{task_id}/cancel")
    assert done.status_code == 409
    assert error(done) == {
        "code": "TASK_NOT_CANCELLABLE",
        "message": "Task has already completed and cannot be cancelled",
        "details": {"status": "succeeded"},
    }
    missing = api.post("tasks/task_nope/cancel")
    assert (missing.status_code, error(missing)["code"]) == (404, "TASK_NOT_FOUND")


# List -----------------------------------------------------------------------------------------


def test_list_paginates_newest_first_with_the_documented_pagination(
    api: httpx.Client, clock: ManualClock
) -> None:
    ids = []
    for _ in range(45):
        ids.append(submit(api)["id"])
        clock.advance(60)
    pages, cursor = [], None
    while True:
        params = {"limit": 20, **({"cursor": cursor} if cursor else {})}
        payload = api.get("tasks", params=params).json()
        pages.append([t["id"] for t in payload["data"]])
        pagination = payload["pagination"]
        assert set(pagination) == {"cursor", "hasMore", "total"}
        assert pagination["total"] == 45
        if not pagination["hasMore"]:
            assert pagination["cursor"] is None
            break
        assert pagination["cursor"] == payload["data"][-1]["created_at"]
        cursor = pagination["cursor"]
    assert [len(p) for p in pages] == [20, 20, 5]
    assert [i for page in pages for i in page] == ids[::-1]
    assert len(api.get("tasks").json()["data"]) == 20  # default limit


def test_list_filters(fake: FakeModelHunter, api: httpx.Client, clock: ManualClock) -> None:
    first = submit(api, body("kling-v2-6"))
    clock.advance(3600)
    failed = submit(api, body(prompt="[fail]"))
    clock.advance(V3_5S_TOTAL)
    running = submit(api)

    def ids(**params: Any) -> list[str]:
        response = api.get("tasks", params=params)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["data"]]

    assert ids(status="failed") == [failed["id"]]
    assert ids(status="pending") == [running["id"]]
    assert ids(modelId="kling-v2-6") == [first["id"]]
    assert ids(provider="kling") == [running["id"], failed["id"], first["id"]]
    assert ids(provider="vidu") == []
    assert ids(search=failed["id"][:9]) == [failed["id"]]
    assert ids(startDate="2026-01-15T10:30:00Z") == [running["id"], failed["id"]]
    assert ids(endDate="2026-01-15T10:30:00Z") == [first["id"]]
    assert ids(startDate=failed["created_at"], endDate=failed["created_at"]) == [failed["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"status": "done"},
        {"startDate": "yesterday"},
        {"cursor": "not-a-date"},
    ],
)
def test_list_rejects_bad_parameters(api: httpx.Client, params: dict) -> None:
    response = api.get("tasks", params=params)
    assert (response.status_code, error(response)["code"]) == (400, "INVALID_PARAMETER")
    assert error(response)["details"]["field"] == next(iter(params))


@pytest.mark.parametrize("limit", [1, 100])
def test_list_limit_bounds_are_inclusive(api: httpx.Client, limit: int) -> None:
    assert api.get("tasks", params={"limit": limit}).status_code == 200


# Result URL expiry ---------------------------------------------------------------------------


def test_expired_result_url_reads_expired_in_list_and_is_resigned_on_get(
    api: httpx.Client, clock: ManualClock
) -> None:
    task_id = submit(api)["id"]
    clock.advance(V3_5S_TOTAL)
    old_url = api.get(f"tasks/{task_id}").json()["data"]["result"][0]["url"]
    clock.advance(15 * 60)
    assert api.get("tasks").json()["data"][0]["status"] == "succeeded"
    assert api.get(old_url).status_code == 200
    clock.advance(1)
    listed = api.get("tasks").json()["data"][0]
    assert listed["status"] == "expired" and "result" not in listed
    refused = api.get(old_url)
    assert refused.status_code == 403
    assert b"<Code>AccessDenied</Code>" in refused.content
    assert refused.headers["content-type"] == "application/xml"
    fresh = api.get(f"tasks/{task_id}").json()["data"]
    assert fresh["status"] == "succeeded"
    new_url = fresh["result"][0]["url"]
    assert new_url != old_url
    assert api.get(new_url).status_code == 200
    assert api.get("tasks").json()["data"][0]["status"] == "succeeded"
    assert api.get(f"tasks/{task_id}").json()["data"]["result"][0]["url"] == new_url


def test_tampered_result_url_is_refused(api: httpx.Client, clock: ManualClock) -> None:
    task_id = submit(api)["id"]
    clock.advance(V3_5S_TOTAL)
    url = api.get(f"tasks/{task_id}").json()["data"]["result"][0]["url"]
    other = submit(api)["id"]
    refused = api.get(url.replace(task_id, other))
    assert refused.status_code == 403
    assert b"SignatureDoesNotMatch" in refused.content
    assert api.get(url.split("?")[0]).status_code == 403


# Files ----------------------------------------------------------------------------------------


def test_upload_flow_gives_a_cdn_url_usable_as_the_start_image(
    fake: FakeModelHunter, api: httpx.Client
) -> None:
    data = png()
    ticket_response = api.post(
        "files/upload-url",
        json={"filename": "cat.png", "contentType": "image/png", "sizeBytes": len(data)},
    )
    ticket = ticket_response.json()["data"]
    assert ticket["upload_url"].startswith(
        f"https://storage.modelhunter.ai/uploads/{ticket['file_id']}?"
    )
    assert "X-Amz-Signature=" in ticket["upload_url"]
    assert ticket["expires_at"] == "2026-01-15T10:15:00Z"
    with httpx.Client(transport=httpx.MockTransport(fake.handle)) as bare:  # no bearer key
        put = bare.put(ticket["upload_url"], content=data, headers={"Content-Type": "image/png"})
    assert put.status_code == 200 and put.headers["ETag"]
    done = api.post(f"files/{ticket['file_id']}/complete").json()["data"]
    assert done == {
        "id": ticket["file_id"],
        "url": f"https://cdn.modelhunter.ai/files/{ticket['file_id']}.png",
        "filename": "cat.png",
        "content_type": "image/png",
        "size_bytes": len(data),
        "created_at": "2026-01-15T10:00:00Z",
    }
    assert api.post(f"files/{ticket['file_id']}/complete").json()["data"] == done
    assert api.get(done["url"]).content == data
    assert api.post("kling/image-to-video", json=body(image=done["url"])).status_code == 202
    with client(fake, OTHER_KEY) as other:
        stranger = other.post("kling/image-to-video", json=body(image=done["url"]))
        assert stranger.status_code == 400
        assert error(stranger)["code"] == "INVALID_PARAMETER"
        assert error(stranger)["message"].startswith("image not found")
        assert other.post(f"files/{ticket['file_id']}/complete").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.modelhunter.ai/files/file_nope.png",
        "https://cdn.modelhunter.ai/results/task_x.mp4",
    ],
)
def test_unknown_cdn_images_are_refused(api: httpx.Client, url: str) -> None:
    response = api.post("kling/image-to-video", json=body(image_tail=url))
    assert (response.status_code, error(response)["code"]) == (400, "INVALID_PARAMETER")
    assert error(response)["details"] == {"field": "input.image_tail"}


@pytest.mark.parametrize(
    ("request_body", "status", "code", "field"),
    [
        ({"filename": "a.gif", "contentType": "image/gif", "sizeBytes": 10}, 400,
         "VALIDATION_ERROR", "contentType"),
        ({"filename": "a.png", "sizeBytes": 10}, 400, "VALIDATION_ERROR", "contentType"),
        ({"filename": "a.png", "contentType": "image/png", "sizeBytes": 0}, 400,
         "VALIDATION_ERROR", "sizeBytes"),
        ({"filename": "a.mp4", "contentType": "video/mp4", "sizeBytes": 100 * 2**20 + 1}, 422,
         "FILE_TOO_LARGE", None),
    ],
)  # fmt: skip
def test_upload_url_refusals(
    api: httpx.Client, request_body: dict, status: int, code: str, field: str | None
) -> None:
    response = api.post("files/upload-url", json=request_body)
    assert (response.status_code, error(response)["code"]) == (status, code)
    if field:
        assert error(response)["details"]["field"] == field
    else:
        assert error(response)["message"] == "File size exceeds the 100 MB limit"


def test_storage_put_refusals(api: httpx.Client, clock: ManualClock) -> None:
    data = png()
    ticket = api.post(
        "files/upload-url",
        json={"filename": "x.png", "contentType": "image/png", "sizeBytes": len(data)},
    ).json()["data"]
    url = ticket["upload_url"]
    wrong_type = api.put(url, content=data, headers={"Content-Type": "image/jpeg"})
    assert wrong_type.status_code == 400 and b"InvalidArgument" in wrong_type.content
    wrong_size = api.put(url, content=data + b"x", headers={"Content-Type": "image/png"})
    assert wrong_size.status_code == 400 and b"IncompleteBody" in wrong_size.content
    forged = api.put(url[:-4] + "0000", content=data, headers={"Content-Type": "image/png"})
    assert forged.status_code == 403 and b"SignatureDoesNotMatch" in forged.content
    early = api.post(f"files/{ticket['file_id']}/complete")
    assert (early.status_code, error(early)["code"]) == (400, "INVALID_PARAMETER")
    clock.advance(15 * 60 + 1)
    late = api.put(url, content=data, headers={"Content-Type": "image/png"})
    assert late.status_code == 403 and b"Request has expired" in late.content


@pytest.mark.parametrize(
    ("data", "message_part"),
    [
        (b"definitely not an image", "not a readable PNG, JPEG or WebP"),
        (png(100, 300), "at least 128 px"),
        (png(1000, 200), "more elongated than 4:1"),
    ],
)
def test_complete_refuses_unusable_images(
    api: httpx.Client, data: bytes, message_part: str
) -> None:
    response = upload(api, data)
    assert (response.status_code, error(response)["code"]) == (400, "INVALID_PARAMETER")
    assert message_part in error(response)["message"]


def test_complete_refuses_images_over_50_mb_but_not_videos(api: httpx.Client) -> None:
    big = b"\0" * (50 * 2**20 + 1)
    response = upload(api, big)
    assert (response.status_code, error(response)["code"]) == (422, "FILE_TOO_LARGE")
    assert upload(api, big, "video/mp4").status_code == 200


# Faults ---------------------------------------------------------------------------------------


def test_fail_next_429_with_retry_after_then_normal(
    fake: FakeModelHunter, api: httpx.Client
) -> None:
    fake.faults.fail_next(429, retry_after=2, times=2)
    for _ in range(2):
        limited = api.get("balance")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
        assert error(limited) == {"code": "RATE_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}
    assert api.get("balance").status_code == 200
    assert [r.fault for r in fake.requests] == ["429", "429", None]


def test_html_and_empty_bodies_and_match(fake: FakeModelHunter, api: httpx.Client) -> None:
    fake.faults.fail_next(502, html=True, match=("GET", "/tasks"))
    fake.faults.fail_next(503, empty=True, match=(None, "/balance"))
    assert api.get("balance").content == b""
    proxied = api.get("tasks")
    assert proxied.status_code == 502
    assert proxied.text == "<html><body>502 Bad Gateway</body></html>"
    assert fake.faults.pending == 0
    assert api.get("tasks").status_code == 200


@pytest.mark.parametrize("after_accept", [True, False])
def test_timeouts_and_drops_in_process(
    fake: FakeModelHunter, api: httpx.Client, after_accept: bool
) -> None:
    fake.faults.timeout_next(after_accept=after_accept)
    with pytest.raises(httpx.ReadTimeout):
        api.post("kling/image-to-video", json=body())
    assert fake.task_count() == int(after_accept)
    fake.faults.drop_next(after_accept=after_accept)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("kling/image-to-video", json=body())
    assert fake.task_count() == 2 * int(after_accept)
    assert [r.status for r in fake.requests] == [None, None]


def test_slow_replies_in_process_time_out_only_past_the_read_timeout(
    fake: FakeModelHunter,
) -> None:
    fake.faults.slow_next(5, times=2)
    with client(fake, timeout=10) as patient:
        assert patient.get("balance").status_code == 200
    with client(fake, timeout=1) as hasty, pytest.raises(httpx.ReadTimeout):
        hasty.get("balance")


def test_random_plan_is_deterministic_per_seed(clock: ManualClock) -> None:
    def labels(seed: int) -> list[str | None]:
        plan = FaultPlan.random(rate=0.3, seed=seed)
        faults = [plan.take("GET", "/tasks", clock.now()) for _ in range(200)]
        return [f.label if f else None for f in faults]

    first = labels(7)
    assert first == labels(7) != labels(8)
    assert 30 < sum(x is not None for x in first) < 90
    assert {"429", "500", "502", "503", "drop-after-accept"} <= set(first)
    assert all(FaultPlan.random(rate=0).take("GET", "/", clock.now()) is None for _ in range(50))


def test_throttle_window_follows_the_fake_clock(
    fake: FakeModelHunter, api: httpx.Client, clock: ManualClock
) -> None:
    fake.faults.throttle(2, 10, match=("GET", "/balance"))
    assert [api.get("balance").status_code for _ in range(2)] == [200, 200]
    clock.advance(3)
    limited = api.get("balance")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
    assert api.get("tasks").status_code == 200
    clock.advance(7)
    assert api.get("balance").status_code == 200


def test_fault_plan_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        FaultPlan().fail_next(200)
    with pytest.raises(ValueError):
        FaultPlan().fail_next(500, times=0)
    with pytest.raises(ValueError):
        FaultPlan.random(rate=2)


# Over real HTTP -----------------------------------------------------------------------------


def test_served_over_http_urls_point_at_the_server(clock: ManualClock) -> None:
    with (
        FakeModelHunter(clock=clock, synthesize_videos=False) as fake,
        serve(fake) as base_url,
        httpx.Client(
            base_url=base_url + "/", headers={"Authorization": f"Bearer {TEST_KEY}"}
        ) as http,
    ):
        origin = base_url.removesuffix("/api/v1")
        assert httpx.get(origin).status_code == 200
        missing = httpx.get(origin + "/elsewhere")
        assert (missing.status_code, error(missing)["code"]) == (404, "NOT_FOUND")
        uploaded = upload(http, png()).json()["data"]
        assert uploaded["url"].startswith(origin + "/cdn/files/")
        assert http.get(uploaded["url"]).content == png()
        task_id = submit(http, body(image=uploaded["url"]))["id"]
        clock.advance(V3_5S_TOTAL)
        url = http.get(f"tasks/{task_id}").json()["data"]["result"][0]["url"]
        assert url.startswith(f"{origin}/cdn/results/{task_id}.mp4?")
        assert http.get(url).content == tiny_mp4()
        fake.faults.drop_next(after_accept=True)
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("balance")
        fake.faults.slow_next(0.05)
        assert http.get("balance").status_code == 200
        fake.faults.timeout_next(after_accept=True, match=("POST", "/kling"))
        with pytest.raises(httpx.ReadTimeout):
            http.post("kling/image-to-video", json=body(), timeout=0.5)
        assert fake.task_count() == 2


def test_serve_refuses_a_port_in_use(clock: ManualClock) -> None:
    with FakeModelHunter(clock=clock, synthesize_videos=False) as fake, serve(fake) as base_url:
        port = httpx.URL(base_url).port
        assert port is not None
        with pytest.raises(RuntimeError, match="could not start"), serve(fake, port=port):
            pass


# Clocks, the command line and the public surface ------------------------------------------


def test_public_surface_is_pinned() -> None:
    import fake_modelhunter

    assert fake_modelhunter.__all__ == sorted(fake_modelhunter.__all__)
    assert set(fake_modelhunter.__all__) == {
        "Clock", "Deviations", "FAIL_TOKEN", "FakeModelHunter", "Fault", "FaultPlan", "KEY_PATTERN",
        "KeyState", "LoggedRequest", "ManualClock", "RealClock", "SIGNED_URL_TTL_S", "Timing",
        "serve",
    }  # fmt: skip


def test_clocks() -> None:
    manual = ManualClock(datetime(2026, 1, 1))
    assert manual.now() == datetime(2026, 1, 1, tzinfo=UTC)
    assert manual.advance(1.5) == datetime(2026, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)
    with pytest.raises(ValueError):
        manual.advance(-1)
    fast = RealClock(speed=1000)
    before = fast.now()
    assert fast.now() >= before and before.tzinfo is not None
    assert abs(RealClock().now() - datetime.now(UTC)) < timedelta(seconds=5)
    with pytest.raises(ValueError):
        RealClock(speed=0)


def test_command_line_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--demo" in out and "--deviate" in out


# Real videos ----------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[float, int, int]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        duration = frames / float(stream.average_rate)
        return duration, stream.codec_context.width, stream.codec_context.height


def test_results_are_real_mp4s_of_the_requested_length_and_shape(clock: ManualClock) -> None:
    with FakeModelHunter(clock=clock, timing=Timing.instant()) as fake, client(fake) as http:
        image = upload(http, png(640, 480)).json()["data"]["url"]
        wide = submit(http, body(image=image, duration=3, prompt="slow push in"))["id"]
        tall = submit(http, body(duration=3, aspect_ratio="9:16", sound="on"))["id"]
        for task_id, seconds, size in ((wide, 3, (1280, 720)), (tall, 3, (720, 1280))):
            url = http.get(f"tasks/{task_id}").json()["data"]["result"][0]["url"]
            video = http.get(url).content  # waits for the render
            [result] = http.get(f"tasks/{task_id}").json()["data"]["result"]
            assert len(video) == result["size_bytes"]
            duration, width, height = decode(video)
            assert duration == pytest.approx(seconds, abs=0.05)
            assert (width, height) == size


def test_evicted_videos_are_rendered_again_on_demand() -> None:
    renders: list[int] = []

    def render(job: SynthRequest) -> bytes:
        renders.append(job.duration)
        return b"clip-%d" % job.duration

    store = VideoStore(synthesize=True, max_cached=1, render=render)
    try:
        request = read_request(body(duration=3))
        store.start("a", synth_request(request, b"img", None))
        store.wait(["a"])
        store.start("b", synth_request(read_request(body(duration=4)), b"img", None))
        assert store.video("b") == b"clip-4"
        assert renders == [3, 4]
        assert store.video("a") == b"clip-3"  # evicted by "b": rendered again
        assert renders == [3, 4, 3]
        assert store.size("a") == len(b"clip-3")
        with pytest.raises(KeyError):
            store.video("nope")
    finally:
        store.close()


def test_synth_request_carries_shots_voices_and_seed() -> None:
    request = read_request(
        body(
            duration=9,
            mode="pro",
            sound="on",
            multi_shot="true",
            multi_prompt=[{"index": 1, "prompt": "wide"}, {"index": 2, "prompt": "close"}],
            voice_list=[{"voice_id": "v1", "text": "Hello there."}],
            aspect_ratio="1:1",
        )
    )
    job = synth_request(request, b"start", b"end")
    assert [(s.seconds, s.prompt) for s in job.shots] == [(4.5, "wide"), (4.5, "close")]
    assert (job.duration, job.aspect_ratio, job.sound, job.captions) == (
        9,
        "1:1",
        True,
        ("Hello there.",),
    )
    assert (job.end_image, job.seed, job.auto_shots) == (b"end", "kling-v3-pro", False)
