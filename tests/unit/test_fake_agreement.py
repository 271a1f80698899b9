"""Agreement of two independent implementations of the request rules and prices.

The client's `parse_request` + `quote` and the offline ModelHunter's own rules and price list
(written separately from the contract) must accept exactly the same submit bodies and charge
the same price. Bodies are generated over every field of both models: a plausible request
(about half valid) with up to three edits from `EDITS` — wrong types, nulls, limits and one
past them, white space, broken cross-field rules, fields of the other model, unknown fields.

Numeric strings ("5") for whole-number fields are refused by both (a client leniency found
by this test and fixed; `test_numeric_strings_are_refused_by_both` pins it).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fake_modelhunter import FakeModelHunter, ManualClock, Timing
from modelhunter.pricing import quote
from modelhunter.requests import parse_request

KEY = "river_test_" + "a" * 32
EXAMPLES = int(os.environ.get("AGREEMENT_EXAMPLES", "200"))
URL = "https://images.example.com/a.jpg"

# Text without "[" so no prompt asks the fake for a scripted failure ("[fail]").
text = st.text(alphabet=st.sampled_from("ab Zé—\t\n ."), max_size=12)
image_urls = st.sampled_from(
    [URL, "http://cdn.example.org/p/b.png?x=1", "  https://images.example.com/pad.png\n"]
)


def _long(n: int) -> str:
    return "x" * n


# (where, key, value): where = "top", "input", "shot", "voice" or "element"; value None in
# the table means "set to JSON null", DELETE removes the key.
DELETE = object()
EDITS: list[tuple[str, str, Any]] = [
    *[("input", "duration", v) for v in (2, 3, 4, 5, 10, 15, 16, 5.0, 10.0, 5.5, True, None, -1)],
    *[("input", "aspect_ratio", v) for v in ("4:3", "", " 16:9", None, 1)],
    *[("input", "mode", v) for v in ("std", "pro", "ultra", "PRO", None)],
    *[("input", "sound", v) for v in ("on", "off", True, "yes", None)],
    *[("input", "multi_shot", v) for v in ("true", "intelligence", "false", True, None, "")],
    *[("input", "multi_prompt", v) for v in ([], None, "wide", [{"index": 1, "prompt": "a"}])],
    ("input", "multi_prompt", [{"index": i + 1, "prompt": f"s{i}"} for i in range(6)]),
    ("input", "multi_prompt", [{"index": i + 1, "prompt": f"s{i}"} for i in range(7)]),
    ("input", "multi_prompt", [{"index": 1, "prompt": "a"}, {"index": 3, "prompt": "b"}]),
    ("input", "multi_prompt", [{"index": 1, "prompt": "a", "duration": 2}, {"index": 2, "prompt": "b"}]),  # noqa: E501
    ("input", "multi_prompt", [{"index": 1, "prompt": "a", "duration": 2},
                               {"index": 2, "prompt": "b", "duration": 3}]),
    *[("input", "element_list", v) for v in ([], None, [{"element_id": 1}] * 4)],
    ("input", "element_list", [{"element_id": 1}] * 5),
    *[("input", "voice_list", v) for v in ([], None, [{"voice_id": "v", "text": "t"}] * 4)],
    ("input", "voice_list", [{"voice_id": "v", "text": "t"}] * 5),
    *[("input", "image", v) for v in ("not a url", "", "ftp://x.org/a.png", "https://", None, 3)],
    *[("input", "image", v) for v in ("https://a b/c.png", "HTTPS://x.org/a", DELETE)],
    *[("input", "image", "https://x.org/" + _long(n)) for n in (2048 - 14, 2048 - 13)],
    *[("input", "image_tail", v) for v in (URL, None, "", "nope", " https://x.org/e.png ")],
    *[("input", "prompt", v) for v in (None, 7, "  ", _long(10_000), _long(10_001))],
    ("input", "prompt", " " + _long(10_000) + " "),
    *[("input", "negative_prompt", v) for v in (None, "", "  ", _long(2_500), _long(2_501), 1)],
    *[("input", "fps", 30), ("input", "seed", None)],
    *[("shot", "index", v) for v in (0, 1.0, True, None, DELETE, "one")],
    *[("shot", "prompt", v) for v in ("", "   ", "\u3000", None, DELETE, 5)],
    *[("shot", "duration", v) for v in (None, 0, 1, 15, 16, 2.0, 2.5, False)],
    ("shot", "camera", "pan"),
    *[("voice", "voice_id", v) for v in ("", " ", _long(128), _long(129), None, DELETE)],
    *[("voice", "text", v) for v in ("", _long(500), " " + _long(500) + " ", _long(501), 3)],
    ("voice", "speed", 1),
    *[("element", "element_id", v) for v in (0, -4, 1.0, 1.5, True, None, 10**20)],
    ("element", "name", "cat"),
    *[("top", "model", v) for v in ("kling-v9", "", None, 3, "KLING-V3", DELETE)],
    *[("top", "input", v) for v in (None, [], "x", DELETE)],
    *[("top", "webhookUrl", v) for v in ("http://h.example/x", "https://h.example/x", None, "")],
    *[("top", "webhookUrl", v) for v in (" https://h.example/x ", "https://", 5)],
    ("top", "webhookUrl", "https://h.example/" + _long(2048 - 18)),
    ("top", "webhookUrl", "https://h.example/" + _long(2048 - 17)),
    *[("top", "metadata", v) for v in (None, {}, [], "x", {"a": 1}, {"a": None}, {"a": " b "})],
    *[("top", "metadata", {k: "v"}) for k in ("bad key!", "", " a", "k" * 64, "k" * 65, "é")],
    ("top", "metadata", {f"k{i}": "v" for i in range(16)}),
    ("top", "metadata", {f"k{i}": "v" for i in range(17)}),
    *[("top", "metadata", {"k": v}) for v in (_long(512), _long(513), " " + _long(512) + " ")],
    ("top", "extra", 1),
]  # fmt: skip


@st.composite
def plausible(draw: st.DrawFn) -> dict[str, Any]:
    """A request built from valid values of each field, then 0–3 `EDITS`."""
    model = draw(st.sampled_from(["kling-v3", "kling-v2-6"]))
    v3 = model == "kling-v3"
    mode = draw(st.sampled_from(["std", "pro"]))
    sound = draw(st.sampled_from(["off", "on"])) if v3 or mode == "pro" else "off"
    data: dict[str, Any] = {"image": draw(image_urls)}
    for key, value in (
        ("duration", draw(st.integers(3, 15) if v3 else st.sampled_from([5, 10]))),
        ("aspect_ratio", draw(st.sampled_from(["16:9", "9:16", "1:1"]))),
        ("mode", mode),
        ("sound", sound),
        ("prompt", draw(text)),
        ("negative_prompt", draw(text)),
    ):
        if draw(st.integers(0, 3)):  # usually sent, sometimes left to its default
            data[key] = value
    if sound == "on" and draw(st.booleans()):
        data["voice_list"] = [{"voice_id": "voice_001", "text": draw(text) + "Hi."}]
    if v3:
        shot_mode = draw(st.sampled_from([None, "true", "intelligence"]))
        if shot_mode == "true":
            seconds = data.get("duration", 5)
            count = draw(st.integers(1, min(6, seconds)))
            shots = [{"index": i + 1, "prompt": f"shot {i + 1}"} for i in range(count)]
            if draw(st.booleans()):
                lengths = [1] * count
                for _ in range(seconds - count):
                    lengths[draw(st.integers(0, count - 1))] += 1
                for shot, length in zip(shots, lengths, strict=True):
                    shot["duration"] = length
            data["multi_prompt"] = shots
        if shot_mode is not None:
            data["multi_shot"] = shot_mode
        if draw(st.booleans()):
            data["element_list"] = [{"element_id": draw(st.integers(1, 10**6))}]
    tail_allowed = data.get("multi_shot") != "true" if v3 else mode == "pro"
    if tail_allowed and draw(st.booleans()):
        data["image_tail"] = draw(image_urls)
    body: dict[str, Any] = {"model": model, "input": data}
    if draw(st.booleans()):
        body["metadata"] = {"project": draw(text), "client_ref": draw(st.uuids()).hex}
    if draw(st.booleans()):
        body["webhookUrl"] = "https://hooks.example.com/done"
    for where, key, value in draw(st.lists(st.sampled_from(EDITS), max_size=3)):
        _edit(body, where, key, value)
    return body


def _edit(body: dict[str, Any], where: str, key: str, value: Any) -> None:
    data = body.get("input")
    if where == "top":
        target: Any = body
    elif not isinstance(data, dict):
        return
    elif where == "input":
        target = data
    else:
        lists = {"shot": "multi_prompt", "voice": "voice_list", "element": "element_list"}
        items = data.get(lists[where])
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            return
        target = items[0] = dict(items[0])
    if value is DELETE:
        target.pop(key, None)
    else:
        target[key] = value


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    fake = FakeModelHunter(clock=ManualClock(), timing=Timing.instant(), synthesize_videos=False)
    with (
        fake,
        httpx.Client(
            transport=httpx.MockTransport(fake.handle),
            base_url=fake.base_url + "/",
            headers={"Authorization": f"Bearer {KEY}"},
        ) as http,
    ):
        yield http


def disagreement(api: httpx.Client, body: Any) -> str | None:
    """None when the client and the fake both accept `body` at the same price or both
    refuse it; else what differs."""
    try:
        request = parse_request(body)
    except ValidationError:
        request = None
    response = api.post("kling/image-to-video", json=body)
    if response.status_code not in (202, 400, 404):
        return f"fake answers {response.status_code}: {response.text}"
    fake_accepts = response.status_code == 202
    if fake_accepts != (request is not None):
        return f"client {'accepts' if request else 'refuses'}, fake answers {response.text}"
    if request is None:
        return None
    task = api.get(f"tasks/{response.json()['data']['id']}").json()["data"]
    client_price = quote(request).total
    if task["status"] != "succeeded" or Decimal(str(task["cost"])) != client_price:
        return f"client price {client_price}, fake task {task}"
    return None


def agree(api: httpx.Client, body: Any) -> None:
    """The client and the fake both accept `body` at the same price, or both refuse it."""
    problem = disagreement(api, body)
    assert problem is None, problem


# Three requests that are valid and use every field; each edit is tried on each of them.
BASES: dict[str, dict[str, Any]] = {
    "v3 manual shots": {
        "model": "kling-v3",
        "input": {
            "image": URL, "prompt": "p", "negative_prompt": "n", "duration": 6,
            "aspect_ratio": "9:16", "mode": "std", "sound": "on",
            "voice_list": [{"voice_id": "voice_001", "text": "Hi."}], "multi_shot": "true",
            "multi_prompt": [{"index": 1, "prompt": "wide", "duration": 6}],
            "element_list": [{"element_id": 5}],
        },
        "webhookUrl": "https://hooks.example.com/x",
        "metadata": {"project": "demo"},
    },
    "v3 end frame": {
        "model": "kling-v3",
        "input": {"image": URL, "image_tail": URL, "multi_shot": "intelligence", "mode": "pro"},
    },
    "v2.6 pro": {
        "model": "kling-v2-6",
        "input": {
            "image": URL, "image_tail": URL, "duration": 10, "mode": "pro", "sound": "on",
            "voice_list": [{"voice_id": "voice_001", "text": "Hi."}],
        },
        "metadata": {"project": "demo"},
    },
}  # fmt: skip


def test_every_single_edit_of_every_base_request_agrees(api: httpx.Client) -> None:
    found = {}
    for base_name, base in BASES.items():
        assert disagreement(api, base) is None
        for number, (where, key, value) in enumerate(EDITS):
            body = copy.deepcopy(base)
            _edit(body, where, key, value)
            if (problem := disagreement(api, body)) is not None:
                found[f"{base_name}, edit {number} ({where}.{key})"] = problem
    assert found == {}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=plausible())
@example(body={"model": "kling-v2-6", "input": {"image": URL, "duration": 10.0, "mode": "pro"}})
@example(body={"model": "kling-v3", "input": {"image": URL, "sound": "on", "voice_list": []}})
@example(body={"model": "kling-v2-6", "input": {"image": URL, "mode": "std", "sound": "on"}})
@example(body={"model": "kling-v2-6", "input": {"image": URL, "multi_shot": None}})
def test_client_and_fake_accept_the_same_bodies_at_the_same_price(
    api: httpx.Client, body: dict[str, Any]
) -> None:
    agree(api, body)


@pytest.mark.parametrize(
    "body",
    [
        {"model": "kling-v3", "input": {"image": URL, "duration": "5"}},
        {"model": "kling-v3", "input": {"image": URL, "duration": " 7 "}},
        {"model": "kling-v3", "input": {"image": URL, "element_list": [{"element_id": "7"}]}},
        {
            "model": "kling-v3",
            "input": {
                "image": URL,
                "multi_shot": "true",
                "multi_prompt": [{"index": "1", "prompt": "a", "duration": "5"}],
            },
        },
    ],
)
def test_numeric_strings_are_refused_by_both(api: httpx.Client, body: dict[str, Any]) -> None:
    agree(api, body)
