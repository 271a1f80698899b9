"""Each deviation of the offline ModelHunter produces exactly its wire behaviour, seen on raw
httpx responses (no client in between), in-process and over loopback HTTP."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image
from pydantic import ValidationError

from fake_modelhunter import Deviations, FakeModelHunter, ManualClock, serve
from fake_modelhunter.__main__ import deviations_of

KEY = "river_test_" + "d" * 32
IMAGE = "https://images.example.com/cat.jpg"
BODY = {"model": "kling-v3", "input": {"image": IMAGE}, "metadata": {"client_ref": "r1"}}
TOTAL_5S = 37  # default Timing: 2 s pending, 5 s queued, 30 s running
EXTRA = {"x_region": "eu-west-1", "x_trace": {"id": "trc_0", "hops": 2}}


@pytest.fixture
def clock(manual_clock: ManualClock) -> ManualClock:
    return manual_clock


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeModelHunter]:
    with FakeModelHunter(clock=clock, synthesize_videos=False) as service:
        yield service


def raw(fake: FakeModelHunter, **kw: Any) -> httpx.Client:
    return httpx.Client(
        transport=httpx.MockTransport(fake.handle),
        base_url=fake.base_url + "/",
        headers={"Authorization": f"Bearer {KEY}"},
        **kw,
    )


@pytest.fixture
def api(fake: FakeModelHunter) -> Iterator[httpx.Client]:
    with raw(fake) as http:
        yield http


def submit(api: httpx.Client) -> str:
    response = api.post("kling/image-to-video", json=BODY)
    assert response.status_code == 202, response.text
    return str(response.json()["data"]["id"])


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_extra_fields_on_every_object(
    fake: FakeModelHunter, api: httpx.Client, clock: ManualClock
) -> None:
    fake.deviations = Deviations(extra_fields=True)
    ack = api.post("kling/image-to-video", json=BODY)
    assert ack.status_code == 202
    assert EXTRA.items() <= ack.json().items() and EXTRA.items() <= ack.json()["data"].items()
    clock.advance(TOTAL_5S)
    task = api.get(f"tasks/{ack.json()['data']['id']}").json()["data"]
    assert EXTRA.items() <= task.items() and EXTRA.items() <= task["result"][0].items()
    assert task["status"] == "succeeded" and task["metadata"] == {"client_ref": "r1"}
    page = api.get("tasks").json()
    assert EXTRA.items() <= page.items()
    assert EXTRA.items() <= page["pagination"].items() and EXTRA.items() <= page["data"][0].items()
    assert EXTRA.items() <= api.get("balance").json()["data"].items()
    data = png()
    ticket = api.post(
        "files/upload-url",
        json={"filename": "a.png", "contentType": "image/png", "sizeBytes": len(data)},
    ).json()["data"]
    assert EXTRA.items() <= ticket.items()
    api.put(ticket["upload_url"], content=data, headers={"Content-Type": "image/png"})
    done = api.post(f"files/{ticket['file_id']}/complete").json()["data"]
    assert EXTRA.items() <= done.items() and done["size_bytes"] == len(data)
    missing = api.get("tasks/task_nope").json()
    assert missing["success"] is False and EXTRA.items() <= missing["error"].items()
    assert missing["error"]["code"] == "TASK_NOT_FOUND"


@pytest.mark.parametrize(
    ("seconds", "word"),
    [(0, "queued"), (2, "moderation"), (7, "processing"), (TOTAL_5S, "succeeded")],
)
def test_unknown_status_words(
    fake: FakeModelHunter, api: httpx.Client, clock: ManualClock, seconds: float, word: str
) -> None:
    fake.deviations = Deviations(unknown_statuses=True)
    ack = api.post("kling/image-to-video", json=BODY).json()["data"]
    assert ack["status"] == "queued"
    clock.advance(seconds)
    assert api.get(f"tasks/{ack['id']}").json()["data"]["status"] == word
    assert [t["status"] for t in api.get("tasks").json()["data"]] == [word]


def test_list_items_without_metadata(fake: FakeModelHunter, api: httpx.Client) -> None:
    fake.deviations = Deviations(list_without_metadata=True)
    task_id = submit(api)
    [item] = api.get("tasks").json()["data"]
    assert item["id"] == task_id and "metadata" not in item
    assert api.get(f"tasks/{task_id}").json()["data"]["metadata"] == {"client_ref": "r1"}


def test_single_task_without_metadata(fake: FakeModelHunter, api: httpx.Client) -> None:
    fake.deviations = Deviations(get_without_metadata=True)
    task_id = submit(api)
    assert "metadata" not in api.get(f"tasks/{task_id}").json()["data"]
    assert api.get("tasks").json()["data"][0]["metadata"] == {"client_ref": "r1"}


def test_naive_timestamps_and_cursor(
    fake: FakeModelHunter, api: httpx.Client, clock: ManualClock
) -> None:
    fake.deviations = Deviations(naive_timestamps=True)
    clock.advance(0.432)
    ack = api.post("kling/image-to-video", json=BODY).json()["data"]
    assert ack["created_at"] == "2026-01-15T10:00:00.432"
    clock.advance(1)
    second = submit(api)
    clock.advance(TOTAL_5S)
    task = api.get(f"tasks/{ack['id']}").json()["data"]
    assert (task["created_at"], task["started_at"], task["completed_at"]) == (
        "2026-01-15T10:00:00.432",
        "2026-01-15T10:00:07.432",
        "2026-01-15T10:00:37.432",
    )
    first_page = api.get("tasks", params={"limit": 1}).json()
    assert [t["id"] for t in first_page["data"]] == [second]
    cursor = first_page["pagination"]["cursor"]
    assert cursor == "2026-01-15T10:00:01.432"
    next_page = api.get("tasks", params={"limit": 1, "cursor": cursor}).json()
    assert [t["id"] for t in next_page["data"]] == [ack["id"]]


@pytest.mark.parametrize("status", [200, 201])
def test_submit_answered_with_200_or_201(
    fake: FakeModelHunter, api: httpx.Client, status: int
) -> None:
    fake.deviations = Deviations(submit_status=status)
    response = api.post("kling/image-to-video", json=BODY)
    assert response.status_code == status
    assert response.json()["success"] is True and response.json()["data"]["status"] == "pending"
    refused = api.post("kling/image-to-video", json={"model": "kling-v3", "input": {}})
    assert refused.status_code == 400


def test_slow_submit_in_process_times_out_but_creates_the_task(fake: FakeModelHunter) -> None:
    fake.deviations = Deviations(slow_submit_s=90)
    with raw(fake, timeout=httpx.Timeout(5, read=60)) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            impatient.post("kling/image-to-video", json=BODY)
        [task] = impatient.get("tasks").json()["data"]
    assert task["metadata"] == {"client_ref": "r1"}
    assert fake.task_count() == 1
    with raw(fake, timeout=httpx.Timeout(5, read=120)) as patient:
        assert patient.post("kling/image-to-video", json=BODY).status_code == 202
        assert patient.get("balance").status_code == 200  # only submits are slow
    assert [(r.path, r.status, r.fault) for r in fake.requests][::2] == [
        ("/kling/image-to-video", 202, "slow-submit-90s"),
        ("/kling/image-to-video", 202, "slow-submit-90s"),
    ]


def test_slow_submit_over_http_delays_the_reply_after_creating_the_task(
    fake: FakeModelHunter,
) -> None:
    fake.deviations = Deviations(slow_submit_s=3)
    with serve(fake) as base_url:
        headers = {"Authorization": f"Bearer {KEY}"}
        with httpx.Client(base_url=base_url + "/", headers=headers, timeout=0.5) as http:
            with pytest.raises(httpx.ReadTimeout):
                http.post("kling/image-to-video", json=BODY)
            assert [t["metadata"] for t in http.get("tasks").json()["data"]] == [
                {"client_ref": "r1"}
            ]


def test_submit_without_estimated_seconds(fake: FakeModelHunter, api: httpx.Client) -> None:
    fake.deviations = Deviations(no_estimated_seconds=True)
    ack = api.post("kling/image-to-video", json=BODY).json()["data"]
    assert set(ack) == {"id", "status", "type", "provider", "model", "created_at"}


def test_numbers_as_strings(fake: FakeModelHunter, api: httpx.Client, clock: ManualClock) -> None:
    fake.deviations = Deviations(numbers_as_strings=True)
    body = {"model": "kling-v3", "input": {"image": IMAGE, "duration": 6}}
    ack = api.post("kling/image-to-video", json=body).json()["data"]
    assert ack["estimated_seconds"] == "43"
    clock.advance(2 + 5 + 36 * 0.46)
    running = api.get(f"tasks/{ack['id']}").json()["data"]
    assert (running["status"], running["progress"]) == ("running", "46")
    clock.advance(60)
    done = api.get(f"tasks/{ack['id']}").json()["data"]
    assert (done["progress"], done["cost"]) == ("100", "0.504")
    assert done["result"][0]["size_bytes"].isdigit() and done["result"][0]["duration"] == 6


def test_success_false_with_http_200_on_every_second_task_read(
    fake: FakeModelHunter, api: httpx.Client
) -> None:
    fake.deviations = Deviations(soft_error_every=2)
    task_id = submit(api)
    reads = [api.get(f"tasks/{task_id}"), api.get("tasks"), api.get("tasks"), api.get("balance")]
    assert [r.status_code for r in reads] == [200, 200, 200, 200]
    assert [r.json()["success"] for r in reads] == [True, False, True, True]
    assert reads[1].json()["error"] == {
        "code": "INTERNAL_ERROR",
        "message": "Temporary failure, please retry",
    }
    assert [r.fault for r in fake.requests] == [None, None, "soft-error-200", None, None]


@pytest.mark.parametrize(("body", "content"), [("html", b"Bad Gateway"), ("empty", b"")])
def test_proxy_502_pages_instead_of_the_api(
    fake: FakeModelHunter, api: httpx.Client, body: str, content: bytes
) -> None:
    fake.deviations = Deviations(proxy_error_every=1, proxy_error_body=body)  # type: ignore[arg-type]
    response = api.post("kling/image-to-video", json=BODY)
    assert response.status_code == 502
    if body == "html":
        assert response.headers["Content-Type"] == "text/html"
        assert response.text.startswith("<html>") and content in response.content
    else:
        assert response.content == b""
    assert fake.task_count() == 0  # the proxy answered; the API never saw it
    fake.deviations = Deviations(proxy_error_every=2)
    assert [api.get("balance").status_code for _ in range(4)] == [200, 502, 200, 502]


def test_no_deviation_by_default(api: httpx.Client, clock: ManualClock) -> None:
    response = api.post("kling/image-to-video", json=BODY)
    ack = response.json()
    assert response.status_code == 202 and set(ack) == {"success", "data"}
    assert ack["data"]["created_at"].endswith("Z") and isinstance(
        ack["data"]["estimated_seconds"], int
    )


def test_switches_from_text_flags_and_environment() -> None:
    assert Deviations.parse("") == Deviations()
    parsed = Deviations.parse("extra_fields, submit-status=201,slow_submit_s=90;soft_error_every=3")
    assert parsed == Deviations(
        extra_fields=True, submit_status=201, slow_submit_s=90, soft_error_every=3
    )
    assert Deviations.parse("shapes") == Deviations.shapes()
    assert Deviations.shapes().reshapes and not Deviations(slow_submit_s=5).reshapes
    environ = {"FAKE_MODELHUNTER_DEVIATIONS": "naive_timestamps,submit_status=200"}
    assert Deviations.from_env(environ) == Deviations(naive_timestamps=True, submit_status=200)
    combined = deviations_of(["extra_fields", "submit_status=201"], environ)
    assert combined == Deviations(extra_fields=True, naive_timestamps=True, submit_status=201)
    for bad in ("no_such_switch", "submit_status=204", "slow_submit_s=-1"):
        with pytest.raises(ValidationError):
            Deviations.parse(bad)
