"""Golden wire bodies: the exact bytes `Client.submit` posts for representative requests.

The expected JSON is written out literally, so any change to field names, casing, order,
defaults, dropped empties or number/text encoding shows up here as a diff to review against
the contract (§2: top level camelCase `webhookUrl`, `input` snake_case, `multi_shot` a string).
Each golden body is also accepted and priced by the offline ModelHunter's own rules.
"""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from fake_modelhunter import FakeModelHunter, ManualClock
from modelhunter.client import Client
from modelhunter.requests import parse_request

KEY = "river_test_" + "g" * 32
IMAGE = "https://images.example.com/cat.jpg"

REQUESTS: dict[str, dict] = {
    "v3 minimal": {"model": "kling-v3", "input": {"image": IMAGE}},
    "v3 multi-shot, voices, elements, metadata, webhook": {
        "model": "kling-v3",
        "input": {
            "image": IMAGE,
            "prompt": "a cat walks through the garden",
            "negative_prompt": "blur, watermark",
            "duration": 9,
            "aspect_ratio": "9:16",
            "mode": "pro",
            "sound": "on",
            "multi_shot": "true",
            "multi_prompt": [
                {"index": 1, "prompt": "wide shot of the garden", "duration": 4},
                {"index": 2, "prompt": "close-up of the cat", "duration": 5},
            ],
            "element_list": [{"element_id": 101}, {"element_id": 202}],
            "voice_list": [
                {"voice_id": "voice_001", "text": "Hello there."},
                {"voice_id": "voice_002", "text": "Café, naïve — ok?"},
            ],
        },
        "webhookUrl": "https://hooks.example.com/kling?x=1",
        "metadata": {"project": "demo", "client_ref": "run_0001"},
    },
    "v3 end frame": {
        "model": "kling-v3",
        "input": {
            "image": IMAGE,
            "image_tail": "https://images.example.com/cat-end.png",
            "prompt": "the cat turns around",
            "duration": 3,
            "aspect_ratio": "1:1",
        },
    },
    "v2.6 pro, sound on, 10 s": {
        "model": "kling-v2-6",
        "input": {"image": IMAGE, "prompt": "waves", "duration": 10, "mode": "pro", "sound": "on"},
    },
    "v2.6 std, 5 s": {
        "model": "kling-v2-6",
        "input": {"image": IMAGE, "duration": 5, "mode": "std"},
    },
}

# What goes over the wire, byte for byte (UTF-8, no spaces, non-ASCII text unescaped).
GOLDEN: dict[str, str] = {
    "v3 minimal":
        '{"model":"kling-v3","input":{"image":"https://images.example.com/cat.jpg","duration":5,'
        '"aspect_ratio":"16:9","mode":"std","sound":"off"}}',
    "v3 multi-shot, voices, elements, metadata, webhook":
        '{"webhookUrl":"https://hooks.example.com/kling?x=1","metadata":{"project":"demo",'
        '"client_ref":"run_0001"},"model":"kling-v3","input":{"image":'
        '"https://images.example.com/cat.jpg","prompt":"a cat walks through the garden",'
        '"duration":9,"aspect_ratio":"9:16","mode":"pro","sound":"on","voice_list":[{"voice_id":'
        '"voice_001","text":"Hello there."},{"voice_id":"voice_002","text":"Café, naïve — ok?"}],'
        '"negative_prompt":"blur, watermark","multi_shot":"true","multi_prompt":[{"index":1,'
        '"prompt":"wide shot of the garden","duration":4},{"index":2,"prompt":"close-up of the '
        'cat","duration":5}],"element_list":[{"element_id":101},{"element_id":202}]}}',
    "v3 end frame":
        '{"model":"kling-v3","input":{"image":"https://images.example.com/cat.jpg","image_tail":'
        '"https://images.example.com/cat-end.png","prompt":"the cat turns around","duration":3,'
        '"aspect_ratio":"1:1","mode":"std","sound":"off"}}',
    "v2.6 pro, sound on, 10 s":
        '{"model":"kling-v2-6","input":{"image":"https://images.example.com/cat.jpg","prompt":'
        '"waves","duration":10,"aspect_ratio":"16:9","mode":"pro","sound":"on"}}',
    "v2.6 std, 5 s":
        '{"model":"kling-v2-6","input":{"image":"https://images.example.com/cat.jpg","duration":5,'
        '"aspect_ratio":"16:9","mode":"std","sound":"off"}}',
}  # fmt: skip

# The price the offline ModelHunter reports for each (contract §3).
PRICES: dict[str, Decimal] = {
    "v3 minimal": Decimal("0.42"),  # 5 s × $0.084
    "v3 multi-shot, voices, elements, metadata, webhook": Decimal("1.512"),  # 9 s × $0.168
    "v3 end frame": Decimal("0.252"),  # 3 s × $0.084
    "v2.6 pro, sound on, 10 s": Decimal("1.40"),
    "v2.6 std, 5 s": Decimal("0.21"),
}


def _sent_by_client(raw: dict) -> httpx.Request:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        sent.append(request)
        ack = {
            "id": "task_1",
            "status": "pending",
            "type": "image-to-video",
            "provider": "kling",
            "model": raw["model"],
            "created_at": "2026-01-15T10:00:00Z",
            "estimated_seconds": 60,
        }
        return httpx.Response(202, json={"success": True, "data": ack})

    with Client(KEY, transport=httpx.MockTransport(handler), sleep=lambda _: None) as client:
        client.submit(parse_request(raw))
    [request] = sent
    return request


@pytest.mark.parametrize("name", list(REQUESTS))
def test_submit_posts_exactly_the_golden_bytes(name: str) -> None:
    request = _sent_by_client(REQUESTS[name])
    assert (request.method, request.url.path) == ("POST", "/api/v1/kling/image-to-video")
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == GOLDEN[name].encode("utf-8")


@pytest.mark.parametrize("name", list(GOLDEN))
def test_the_offline_api_accepts_and_prices_each_golden_body(name: str) -> None:
    clock = ManualClock()
    with (
        FakeModelHunter(clock=clock, synthesize_videos=False) as fake,
        httpx.Client(
            transport=httpx.MockTransport(fake.handle),
            base_url=fake.base_url + "/",
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        ) as http,
    ):
        ack = http.post("kling/image-to-video", content=GOLDEN[name].encode("utf-8"))
        assert ack.status_code == 202, ack.text
        clock.advance(3600)
        task = http.get(f"tasks/{ack.json()['data']['id']}").json()["data"]
    assert task["status"] == "succeeded"
    assert Decimal(str(task["cost"])) == PRICES[name]
    assert task["metadata"] == json.loads(GOLDEN[name]).get("metadata", {})
