"""Property tests: the request models, the price list and the offline ModelHunter agree.

For arbitrary-ish submit bodies (both models' fields, valid and invalid values and
combinations): a body the models accept has a positive price and the fake accepts it (202);
a body they refuse, the fake refuses with 400/404 and a non-empty plain-words message.

The default run is sized for CI. The `long` twin is opt-in (pyproject deselects `long`):
`pytest -m long` runs 2,000 examples, `FUZZ_EXAMPLES=10000 pytest -m long` as many as asked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fake_modelhunter import FakeModelHunter, ManualClock
from modelhunter.pricing import quote
from modelhunter.requests import parse_request

KEY = "river_test_" + "p" * 32
FAST_EXAMPLES = 200
LONG_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
good_urls = st.sampled_from(
    ["https://images.example.com/a.jpg", "http://cdn.example.org/p/b.png?x=1"]
)
any_url = st.one_of(
    good_urls,
    good_urls,
    st.sampled_from(["", "ftp://x.org/a.png", "not a url", "https://", "javascript:alert(1)"]),
    text,
    st.integers(),
)
whole = st.integers(min_value=-2, max_value=17)
durations = st.one_of(whole, whole, st.sampled_from([5.0, 5.5, "5", "ten", True, None]))
segments = st.lists(
    st.fixed_dictionaries(
        {"index": st.integers(0, 7), "prompt": st.sampled_from(["wide", "close-up", ""])},
        optional={"duration": st.one_of(st.integers(0, 16), st.just("3"))},
    ),
    max_size=7,
)
voices = st.lists(
    st.fixed_dictionaries(
        {"voice_id": st.sampled_from(["voice_001", ""]), "text": st.sampled_from(["Hi.", ""])}
    ),
    max_size=5,
)
elements = st.lists(
    st.fixed_dictionaries({"element_id": st.sampled_from([1, 123456, 0, -4, "x"])}), max_size=5
)
metadata = st.one_of(
    st.dictionaries(st.sampled_from(["project", "client_ref", "bad key!", ""]), text, max_size=3),
    st.just({"n": 1}),
    st.just([1]),
)
inputs = st.fixed_dictionaries(
    {"image": any_url},
    optional={
        "image_tail": any_url,
        "prompt": st.one_of(text, st.just("[fail] " + "a" * 50), st.just("a" * 10_001)),
        "negative_prompt": st.one_of(text, st.none()),
        "duration": durations,
        "aspect_ratio": st.sampled_from(["16:9", "9:16", "1:1", "4:3", "", None]),
        "mode": st.sampled_from(["std", "pro", "std", "pro", "ultra", 1]),
        "sound": st.sampled_from(["on", "off", "off", True, "yes"]),
        "multi_shot": st.sampled_from(["true", "intelligence", True, "false", None]),
        "multi_prompt": segments,
        "element_list": elements,
        "voice_list": voices,
        "seed": st.integers(),
    },
)
wild_bodies = st.one_of(
    st.fixed_dictionaries(
        {"model": st.sampled_from(["kling-v3", "kling-v2-6"]), "input": inputs},
        optional={"metadata": metadata, "webhookUrl": any_url},
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "model": st.one_of(st.sampled_from(["kling-v9", "", "KLING-V3"]), st.integers()),
            "input": st.one_of(inputs, st.none(), st.integers()),
        },
    ),
    st.lists(st.integers(), max_size=2),
    st.integers(),
)

# Mutations that break (or may break) one rule of a plausible body.
MUTATIONS: dict[str, Any] = {
    "duration_low": ("input", "duration", 2),
    "duration_high": ("input", "duration", 16),
    "duration_odd_v26": ("input", "duration", 7),
    "mode": ("input", "mode", "ultra"),
    "aspect": ("input", "aspect_ratio", "4:3"),
    "image": ("input", "image", "not a url"),
    "tail": ("input", "image_tail", "https://images.example.com/end.png"),
    "unknown_field": ("input", "fps", 30),
    "v3_field": ("input", "element_list", [{"element_id": 7}]),
    "shots_without_mode": ("input", "multi_prompt", [{"index": 1, "prompt": "wide"}]),
    "manual_shots": ("input", "multi_shot", "true"),
    "voices": ("input", "voice_list", [{"voice_id": "v1", "text": "Hello."}]),
    "sound_on": ("input", "sound", "on"),
    "std": ("input", "mode", "std"),
    "metadata_key": (None, "metadata", {"bad key!": "x"}),
    "webhook_http": (None, "webhookUrl", "http://example.com/hook"),
    "model": (None, "model", "kling-v9"),
    "no_image": ("input", "image", None),
}


@st.composite
def plausible_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """Bodies built from each field's valid values (about half pass every rule), then 0–2
    mutations from `MUTATIONS`."""
    model = draw(st.sampled_from(["kling-v3", "kling-v2-6"]))
    v3 = model == "kling-v3"
    mode = draw(st.sampled_from(["std", "pro"]))
    sound = draw(st.sampled_from(["off", "on"])) if v3 or mode == "pro" else "off"
    data: dict[str, Any] = {
        "image": draw(good_urls),
        "duration": draw(st.integers(3, 15) if v3 else st.sampled_from([5, 10])),
        "aspect_ratio": draw(st.sampled_from(["16:9", "9:16", "1:1"])),
        "mode": mode,
        "sound": sound,
        "prompt": draw(text),
    }
    if draw(st.booleans()):
        data["negative_prompt"] = draw(st.sampled_from(["blurry", "text, watermark"]))
    if sound == "on" and draw(st.booleans()):
        data["voice_list"] = draw(
            st.lists(
                st.fixed_dictionaries({"voice_id": st.just("voice_001"), "text": st.just("Hi.")}),
                min_size=1,
                max_size=4,
            )
        )
    if v3:
        shot_mode = draw(st.sampled_from([None, "true", "intelligence"]))
        if shot_mode == "true":
            count = draw(st.integers(1, min(6, data["duration"])))
            shots: list[dict[str, Any]] = [
                {"index": i + 1, "prompt": f"shot {i + 1}"} for i in range(count)
            ]
            if draw(st.booleans()):
                lengths = [1] * count
                for _ in range(data["duration"] - count):
                    lengths[draw(st.integers(0, count - 1))] += 1
                for shot, length in zip(shots, lengths, strict=True):
                    shot["duration"] = length
            data["multi_shot"], data["multi_prompt"] = "true", shots
        elif shot_mode is not None:
            data["multi_shot"] = shot_mode
        if draw(st.booleans()):
            data["element_list"] = [{"element_id": 123456}]
    tail_allowed = data.get("multi_shot") != "true" if v3 else mode == "pro"
    if tail_allowed and draw(st.booleans()):
        data["image_tail"] = draw(good_urls)
    body: dict[str, Any] = {"model": model, "input": data}
    if draw(st.booleans()):
        body["metadata"] = {"project": "demo", "client_ref": draw(st.uuids()).hex}
    for name in draw(st.lists(st.sampled_from(sorted(MUTATIONS)), max_size=2)):
        where, key, value = MUTATIONS[name]
        target = body["input"] if where == "input" else body
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return body


bodies = st.one_of(plausible_bodies(), plausible_bodies(), plausible_bodies(), wild_bodies)


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    fake = FakeModelHunter(clock=ManualClock(), synthesize_videos=False)
    with (
        fake,
        httpx.Client(
            transport=httpx.MockTransport(fake.handle),
            base_url=fake.base_url + "/",
            headers={"Authorization": f"Bearer {KEY}"},
        ) as http,
    ):
        yield http


def check(api: httpx.Client, body: Any) -> None:
    try:
        request = parse_request(body)
    except ValidationError:
        request = None
    response = api.post("kling/image-to-video", json=body)
    event("accepted" if request is not None else f"refused {response.status_code}")
    if request is not None:
        assert quote(request).total > 0
        assert response.status_code == 202, response.text
        return
    assert response.status_code in (400, 404), response.text
    error = response.json()["error"]
    assert error["message"].strip()
    reasons = [e["reason"] for e in (error.get("details") or {}).get("errors", [])]
    for message in [error["message"], *reasons]:
        assert message.strip() and "pydantic" not in message and "type=" not in message


@settings(
    max_examples=FAST_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=bodies)
def test_models_prices_and_fake_agree(api: httpx.Client, body: Any) -> None:
    check(api, body)


@pytest.mark.long
@pytest.mark.timeout(60 + LONG_EXAMPLES // 10)
@settings(
    max_examples=LONG_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=bodies)
def test_models_prices_and_fake_agree_long(api: httpx.Client, body: Any) -> None:
    """`FUZZ_EXAMPLES=10000 pytest -m long tests/unit/test_request_properties.py`."""
    check(api, body)
