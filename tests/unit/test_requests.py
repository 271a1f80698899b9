"""Request models: every rule of contract §2 and §12 as a table of valid and invalid bodies.

Invalid rows name each broken rule's exact problem path and the plain words its message must
contain; the set of paths must match exactly, so a body breaking several rules proves they are
all reported together.
"""

from __future__ import annotations

import string
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from modelhunter.requests import (
    KlingV3Input,
    KlingV3Request,
    KlingV26Input,
    KlingV26Request,
    parse_request,
    request_class,
)
from modelhunter.validation import check_request

IMG = "https://cdn.example.com/start.png"
TAIL = "https://cdn.example.com/end.png"
VOICE = {"voice_id": "voice_001", "text": "The storm is coming."}

Path = tuple[str | int, ...]
Expected = list[tuple[Path, list[str]]]


def v3(top: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {"model": "kling-v3", "input": {"image": IMG, **fields}, **(top or {})}


def v26(top: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {"model": "kling-v2-6", "input": {"image": IMG, **fields}, **(top or {})}


def shots(*durations: int | None, indexes: list[int] | None = None) -> list[dict[str, Any]]:
    numbers = indexes or list(range(1, len(durations) + 1))
    return [
        {"index": n, "prompt": f"shot {n}", **({} if d is None else {"duration": d})}
        for n, d in zip(numbers, durations, strict=True)
    ]


VALID = [
    pytest.param(v3(), id="v3-minimal"),
    pytest.param(v26(), id="v2-6-minimal"),
    pytest.param(v3(duration=3), id="v3-3s"),
    pytest.param(v3(duration=15), id="v3-15s"),
    pytest.param(v26(duration=10), id="v2-6-10s"),
    pytest.param(v3(mode="std", image_tail=TAIL), id="v3-std-end-frame"),
    pytest.param(v3(mode="pro", image_tail=TAIL), id="v3-pro-end-frame"),
    pytest.param(v26(mode="pro", image_tail=TAIL), id="v2-6-pro-end-frame"),
    pytest.param(v3(sound="on", voice_list=[VOICE]), id="v3-voices-with-sound"),
    pytest.param(v3(mode="std", sound="on"), id="v3-std-sound-on"),
    pytest.param(v26(mode="pro", sound="on", voice_list=[VOICE]), id="v2-6-pro-sound-voices"),
    pytest.param(v3(sound="on", voice_list=[VOICE] * 4), id="v3-4-voices"),
    pytest.param(v3(multi_shot="intelligence"), id="v3-auto-multi-shot"),
    pytest.param(v3(multi_shot="intelligence", image_tail=TAIL), id="v3-auto-shots-end-frame"),
    pytest.param(v3(multi_shot="true", multi_prompt=shots(None)), id="v3-one-untimed-shot"),
    pytest.param(
        v3(multi_shot="true", multi_prompt=shots(None, None, None)), id="v3-untimed-shots"
    ),
    pytest.param(
        v3(duration=8, multi_shot="true", multi_prompt=shots(3, 5)), id="v3-timed-shots-sum"
    ),
    pytest.param(
        v3(duration=15, multi_shot="true", multi_prompt=shots(3, 2, 2, 2, 3, 3)),
        id="v3-6-shots",
    ),
    pytest.param(v3(element_list=[{"element_id": n} for n in range(1, 5)]), id="v3-4-elements"),
    pytest.param(v3(aspect_ratio="9:16"), id="aspect-9:16"),
    pytest.param(v3(aspect_ratio="1:1"), id="aspect-1:1"),
    pytest.param(v26(aspect_ratio="16:9", mode="pro"), id="aspect-16:9-pro"),
    pytest.param(v3(image="http://example.com/a.jpg"), id="plain-http-image"),
    pytest.param(v3(prompt="x" * 10_000, negative_prompt="y" * 2_500), id="longest-texts"),
    pytest.param(v3({"webhookUrl": "https://example.com/hook?x=1"}), id="https-webhook"),
    pytest.param(
        v3({"webhookUrl": "https://example.com/hook?notify=ops@example.com"}),
        id="webhook-with-an-address-in-its-query",
    ),
    pytest.param(v3({"metadata": {"project": "demo", "a.b-c_1": ""}}), id="metadata"),
    pytest.param(v3({"metadata": {f"k{n}": "v" for n in range(16)}}), id="metadata-16-keys"),
    pytest.param(v3({"metadata": {"k" * 64: "v" * 512}}), id="metadata-longest"),
]


@pytest.mark.parametrize("body", VALID)
def test_valid_bodies_are_accepted(body: dict[str, Any]) -> None:
    request, problems = check_request(body)

    assert problems == []
    assert request is not None
    assert type(request) is request_class(body["model"])
    assert parse_request(body) == request


@pytest.mark.parametrize("seconds", range(3, 16))
def test_kling_v3_accepts_every_whole_second_from_3_to_15(seconds: int) -> None:
    request, problems = check_request(v3(duration=seconds))

    assert problems == []
    assert request is not None and request.input.duration == seconds


def row(body: dict[str, Any], *expected: tuple[Path, list[str]], id: str) -> Any:
    return pytest.param(body, list(expected), id=id)


INVALID = [
    # durations per model
    row(v26(duration=7), (("input", "duration"), ["5 or 10"]), id="v2-6-7s"),
    row(v26(duration=3), (("input", "duration"), ["5 or 10"]), id="v2-6-3s"),
    row(v26(duration=15), (("input", "duration"), ["5 or 10", "kling-v2-6"]), id="v2-6-15s"),
    row(v3(duration=2), (("input", "duration"), ["at least 3"]), id="v3-2s"),
    row(v3(duration=16), (("input", "duration"), ["at most 15"]), id="v3-16s"),
    row(v3(duration=5.5), (("input", "duration"), ["whole number"]), id="v3-fraction"),
    row(v3(duration="five"), (("input", "duration"), ["whole number"]), id="v3-duration-text"),
    row(v3(duration=True), (("input", "duration"), ["whole number"]), id="v3-duration-bool"),
    # end frame
    row(
        v26(mode="std", image_tail=TAIL),
        (("input", "image_tail"), ["End frame", "Pro", "kling-v2-6"]),
        id="v2-6-std-end-frame",
    ),
    row(
        v3(image_tail=TAIL, multi_shot="true", multi_prompt=shots(None)),
        (("input", "image_tail"), ["end frame", "manual shots"]),
        id="v3-end-frame-with-manual-shots",
    ),
    # v3-only fields on v2-6
    row(v26(multi_shot="true"), (("input", "multi_shot"), ["kling-v3"]), id="v2-6-multi-shot"),
    row(v26(multi_prompt=shots(None)), (("input", "multi_prompt"), ["kling-v3"]), id="v2-6-shots"),
    row(
        v26(element_list=[{"element_id": 1}]),
        (("input", "element_list"), ["kling-v3"]),
        id="v2-6-elements",
    ),
    row(
        v26(multi_shot="true", multi_prompt=shots(None), element_list=[{"element_id": 1}]),
        (("input", "multi_shot"), ["Multi-shot", "kling-v3", "remove"]),
        (("input", "multi_prompt"), ["Shots", "kling-v3", "remove"]),
        (("input", "element_list"), ["Elements", "kling-v3", "remove"]),
        id="v2-6-all-v3-only-fields",
    ),
    # sound and voices
    row(v3(voice_list=[VOICE]), (("input", "voice_list"), ["Sound", "On"]), id="v3-voices-silent"),
    row(
        v26(mode="pro", voice_list=[VOICE]),
        (("input", "voice_list"), ["Sound", "On", "kling-v2-6"]),
        id="v2-6-voices-silent",
    ),
    row(
        v26(mode="std", sound="on"),
        (("input", "sound"), ["Sound", "Pro", "kling-v2-6"]),
        id="v2-6-std-sound-on",
    ),
    row(
        v3(sound="on", voice_list=[VOICE] * 5),
        (("input", "voice_list"), ["at most 4"]),
        id="5-voices",
    ),
    row(
        v3(sound="on", voice_list=[{"voice_id": "v"}]),
        (("input", "voice_list", 0, "text"), ["required"]),
        id="voice-without-line",
    ),
    # multi-shot
    row(
        v3(multi_prompt=shots(None)),
        (("input", "multi_prompt"), ["Multi-shot", "Manual shots"]),
        id="shots-without-multi-shot",
    ),
    row(
        v3(multi_shot="intelligence", multi_prompt=shots(None)),
        (("input", "multi_prompt"), ["Manual shots"]),
        id="shots-with-auto-multi-shot",
    ),
    row(
        v3(multi_shot="true"),
        (("input", "multi_prompt"), ["at least one shot"]),
        id="manual-multi-shot-no-shots",
    ),
    row(
        v3(multi_shot="true", multi_prompt=[]),
        (("input", "multi_prompt"), ["at least one shot"]),
        id="manual-multi-shot-empty-list",
    ),
    row(
        v3(multi_shot="true", multi_prompt=shots(None, None, indexes=[1, 3])),
        (("input", "multi_prompt", 1, "index"), ["1, 2, 3", "shot 2 has number 3"]),
        id="shot-index-gap",
    ),
    row(
        v3(multi_shot="true", multi_prompt=shots(None, None, indexes=[2, 1])),
        (("input", "multi_prompt", 0, "index"), ["in order", "shot 1 has number 2"]),
        (("input", "multi_prompt", 1, "index"), ["in order", "shot 2 has number 1"]),
        id="shot-indexes-swapped",
    ),
    row(
        v3(multi_shot="true", multi_prompt=shots(None, indexes=[0])),
        (("input", "multi_prompt", 0, "index"), ["at least 1"]),
        id="shot-index-0",
    ),
    row(
        v3(multi_shot="true", multi_prompt=shots(*[None] * 7)),
        (("input", "multi_prompt"), ["at most 6"]),
        id="7-shots",
    ),
    row(
        v3(multi_shot="true", multi_prompt=shots(2, None)),
        (("input", "multi_prompt"), ["every shot", "or none"]),
        id="some-shots-timed",
    ),
    row(
        v3(duration=5, multi_shot="true", multi_prompt=shots(2, 2)),
        (("input", "multi_prompt"), ["add up to 4 s", "5 s"]),
        id="shot-lengths-short",
    ),
    row(
        v3(duration=5, multi_shot="true", multi_prompt=shots(3, 3)),
        (("input", "multi_prompt"), ["add up to 6 s", "5 s"]),
        id="shot-lengths-long",
    ),
    row(
        v3(multi_shot="true", multi_prompt=shots(0, 5)),
        (("input", "multi_prompt", 0, "duration"), ["at least 1"]),
        id="shot-0s",
    ),
    row(
        v3(multi_shot="true", multi_prompt=[{"index": 1, "prompt": ""}]),
        (("input", "multi_prompt", 0, "prompt"), ["empty"]),
        id="shot-empty-prompt",
    ),
    row(
        v3(multi_shot=True),
        (("input", "multi_shot"), ["'true'", "'intelligence'"]),
        id="multi-shot-boolean",
    ),
    # elements
    row(
        v3(element_list=[{"element_id": n} for n in range(1, 6)]),
        (("input", "element_list"), ["at most 4"]),
        id="5-elements",
    ),
    row(
        v3(element_list=[{"element_id": 0}]),
        (("input", "element_list", 0, "element_id"), ["more than 0"]),
        id="element-id-0",
    ),
    row(
        v3(element_list=[{"element_id": 1}, {"element_id": -3}]),
        (("input", "element_list", 1, "element_id"), ["more than 0"]),
        id="element-id-negative",
    ),
    row(
        v3(element_list=[{"element_id": True}]),
        (("input", "element_list", 0, "element_id"), ["whole number"]),
        id="element-id-bool",
    ),
    row(
        v3(element_list=[{}]),
        (("input", "element_list", 0, "element_id"), ["required"]),
        id="element-id-missing",
    ),
    # closed choices
    row(
        v3(aspect_ratio="4:3"),
        (("input", "aspect_ratio"), ["'16:9'", "'9:16'", "'1:1'"]),
        id="aspect-4:3",
    ),
    row(v26(mode="fast"), (("input", "mode"), ["'std'", "'pro'"]), id="mode-fast"),
    row(v3(sound="yes"), (("input", "sound"), ["'on'", "'off'"]), id="sound-yes"),
    # images
    row(v3(image="ftp://example.com/a.png"), (("input", "image"), ["http(s)"]), id="ftp-image"),
    row(v3(image="example.com/a.png"), (("input", "image"), ["http(s)"]), id="no-scheme"),
    row(v3(image=""), (("input", "image"), ["http(s)"]), id="empty-image"),
    row(v3(image="https://"), (("input", "image"), ["http(s)"]), id="no-host"),
    row(
        v3(image_tail="file:///tmp/end.png"),
        (("input", "image_tail"), ["http(s)"]),
        id="file-end-frame",
    ),
    row({"model": "kling-v3", "input": {}}, (("input", "image"), ["required"]), id="no-image"),
    row({"model": "kling-v2-6"}, (("input",), ["required"]), id="no-input"),
    # texts
    row(v3(prompt="x" * 10_001), (("input", "prompt"), ["10000"]), id="prompt-too-long"),
    row(
        v3(negative_prompt="x" * 2_501),
        (("input", "negative_prompt"), ["2500"]),
        id="negative-prompt-too-long",
    ),
    # webhook and metadata
    row(
        v3({"webhookUrl": "http://example.com/hook"}),
        (("webhook_url",), ["https://"]),
        id="http-webhook",
    ),
    row(v3({"webhookUrl": "example.com"}), (("webhook_url",), ["https://"]), id="bare-webhook"),
    row(
        v3({"webhookUrl": "https://user:pw@hooks.example.com/hook"}),
        (("webhook_url",), ["must not contain a user name or password"]),
        id="webhook-with-credentials",
    ),
    row(
        v3({"webhookUrl": "https://token@hooks.example.com/hook"}),
        (("webhook_url",), ["must not contain a user name or password"]),
        id="webhook-with-user-name",
    ),
    row(
        v3({"metadata": {"bad key": "x"}}),
        (("metadata",), ["letters, digits", "'bad key'"]),
        id="metadata-key-space",
    ),
    row(
        v3({"metadata": {"project\n": "x"}}),
        (("metadata",), ["letters, digits"]),
        id="metadata-key-newline",
    ),
    row(v3({"metadata": {"": "x"}}), (("metadata",), ["1–64"]), id="metadata-key-empty"),
    row(v3({"metadata": {"k" * 65: "x"}}), (("metadata",), ["1–64"]), id="metadata-key-65"),
    row(v3({"metadata": {"k": "v" * 513}}), (("metadata",), ["512"]), id="metadata-value-513"),
    row(
        v3({"metadata": {f"k{n}": "v" for n in range(17)}}),
        (("metadata",), ["16"]),
        id="metadata-17-keys",
    ),
    row(
        v3({"metadata": {"n": 1}}),
        (("metadata", "n"), ["Metadata 'n'", "text"]),
        id="metadata-number-value",
    ),
    row(v3({"metadata": ["x"]}), (("metadata",), ["Metadata", "object"]), id="metadata-list"),
    # unknown fields and models
    row(v3({"colour": "red"}), (("colour",), ["'colour'", "remove"]), id="unknown-top-field"),
    row(v3(fps=30), (("input", "fps"), ["'fps'", "kling-v3", "remove"]), id="unknown-input"),
    row(
        {"model": "kling-v9", "input": {"image": IMG}},
        (("model",), ["kling-v9", "kling-v3", "kling-v2-6"]),
        id="unknown-model",
    ),
    row({"input": {"image": IMG}}, (("model",), ["required", "kling-v3"]), id="no-model"),
    # several rules broken at once: all reported together
    row(
        v26(mode="std", sound="on", image_tail=TAIL),
        (("input", "image_tail"), ["Pro"]),
        (("input", "sound"), ["Pro"]),
        id="together-v2-6-std-end-frame-and-sound",
    ),
    row(
        v3(voice_list=[VOICE], multi_prompt=shots(None)),
        (("input", "voice_list"), ["Sound"]),
        (("input", "multi_prompt"), ["Multi-shot"]),
        id="together-voices-and-shots",
    ),
    row(
        v3(image_tail=TAIL, multi_shot="true", multi_prompt=shots(2, None, indexes=[1, 3])),
        (("input", "multi_prompt", 1, "index"), ["shot 2 has number 3"]),
        (("input", "multi_prompt"), ["every shot"]),
        (("input", "image_tail"), ["manual shots"]),
        id="together-shot-rules",
    ),
    row(
        v3(
            {"webhookUrl": "http://x.org", "metadata": {"a b": "c"}, "extra": 1},
            aspect_ratio="4:3",
            mode="fast",
        ),
        (("input", "aspect_ratio"), ["16:9"]),
        (("input", "mode"), ["std"]),
        (("webhook_url",), ["https"]),
        (("metadata",), ["'a b'"]),
        (("extra",), ["remove"]),
        id="together-field-errors-at-every-level",
    ),
]


@pytest.mark.parametrize(("body", "expected"), INVALID)
def test_invalid_bodies_report_every_broken_rule_at_its_field(
    body: dict[str, Any], expected: Expected
) -> None:
    request, problems = check_request(body)

    assert request is None
    assert sorted(map(repr, (p.path for p in problems))) == sorted(repr(p) for p, _ in expected)
    for path, words in expected:
        message = next(p.message for p in problems if p.path == path)
        for word in words:
            assert word in message, f"{word!r} missing from {message!r}"
    with pytest.raises(ValidationError):
        parse_request(body)


DECLARED_RULES = {
    ("kling-v3", "voice_list", "requires"): {"sound": ["on"]},
    ("kling-v3", "multi_prompt", "requires"): {"multi_shot": ["true"]},
    ("kling-v2-6", "voice_list", "requires"): {"sound": ["on"]},
    ("kling-v2-6", "image_tail", "requires"): {"mode": ["pro"]},
    ("kling-v2-6", "sound", "option_requires"): {"on": {"mode": ["pro"]}},
}


def test_cross_field_rules_are_declared_on_the_fields_for_the_ui() -> None:
    declared = {}
    for cls in (KlingV3Input, KlingV26Input):
        for name, info in cls.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            for kind in ("requires", "option_requires"):
                if kind in extra:
                    declared[(cls.family, name, kind)] = extra[kind]

    assert declared == DECLARED_RULES


def test_request_class_picks_the_model_family() -> None:
    assert request_class("kling-v3") is KlingV3Request
    assert request_class("kling-v2-6") is KlingV26Request
    with pytest.raises(ValueError, match="kling-v3"):
        request_class("kling-v1")


def test_parse_request_reports_an_unknown_model_tag() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_request({"model": "kling-v1", "input": {"image": IMG}})

    assert caught.value.errors()[0]["type"] == "union_tag_invalid"


def test_requests_are_frozen() -> None:
    request = parse_request(v3())

    with pytest.raises(ValidationError):
        request.input.duration = 7  # type: ignore[misc]


# --- wire format -------------------------------------------------------------------------------


def test_wire_keeps_contract_casing_for_webhook_url() -> None:
    wire = parse_request(v3({"webhookUrl": "https://example.com/hook"})).wire()

    assert wire["webhookUrl"] == "https://example.com/hook"
    assert "webhook_url" not in wire


def test_wire_sends_every_setting_the_price_depends_on_even_when_left_at_default() -> None:
    for body in (v3(), v26()):
        wire = parse_request(body).wire()

        assert wire == {
            "model": body["model"],
            "input": {
                "image": IMG,
                "duration": 5,
                "aspect_ratio": "16:9",
                "mode": "std",
                "sound": "off",
            },
        }


def test_wire_drops_none_and_empty_values() -> None:
    body = v3(
        {"metadata": {}, "webhookUrl": None},
        prompt="",
        negative_prompt=None,
        image_tail=None,
        multi_shot="true",
        multi_prompt=shots(None),
        voice_list=[],
        element_list=[],
    )

    wire = parse_request(body).wire()

    assert set(wire) == {"model", "input"}
    assert wire["input"] == {
        "image": IMG,
        "duration": 5,
        "aspect_ratio": "16:9",
        "mode": "std",
        "sound": "off",
        "multi_shot": "true",
        "multi_prompt": [{"index": 1, "prompt": "shot 1"}],
    }


def test_wire_keeps_every_value_the_user_set() -> None:
    body = v3(
        {"webhookUrl": "https://example.com/h", "metadata": {"client_ref": "r-1", "empty": ""}},
        image_tail=TAIL,
        prompt="a cat",
        negative_prompt="blur",
        duration=9,
        aspect_ratio="1:1",
        mode="pro",
        sound="on",
        voice_list=[VOICE],
        multi_shot="intelligence",
        element_list=[{"element_id": 7}],
    )

    assert parse_request(body).wire() == body


def test_wire_sends_trimmed_text() -> None:
    wire = parse_request(v3(prompt="  a cat  \n", image=f" {IMG} ")).wire()

    assert wire["input"]["prompt"] == "a cat"
    assert wire["input"]["image"] == IMG


@st.composite
def _segments(draw: st.DrawFn, duration: int) -> list[dict[str, Any]]:
    if draw(st.booleans()):
        return shots(*[None] * draw(st.integers(1, 6)))
    cuts = draw(st.lists(st.integers(1, duration - 1), unique=True, max_size=5))
    edges = [0, *sorted(cuts), duration]
    return shots(*[end - start for start, end in pairwise(edges)])


KEY_CHARS = string.ascii_lowercase + string.ascii_uppercase + string.digits + "_.-"
# no whitespace or control characters: requests trim text, which a round trip would show
texts = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=40
)


@st.composite
def valid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    top: dict[str, Any] = {}
    if draw(st.booleans()):
        top["webhookUrl"] = "https://example.com/" + draw(st.text(KEY_CHARS[:26], max_size=8))
    if draw(st.booleans()):
        top["metadata"] = draw(
            st.dictionaries(
                st.text(KEY_CHARS, min_size=1, max_size=64), texts, min_size=1, max_size=4
            )
        )
    fields: dict[str, Any] = {
        "aspect_ratio": draw(st.sampled_from(["16:9", "9:16", "1:1"])),
        "mode": draw(st.sampled_from(["std", "pro"])),
    }
    if draw(st.booleans()):
        fields["prompt"] = draw(texts)
    if draw(st.booleans()):
        fields["negative_prompt"] = draw(texts)
    if draw(st.booleans()):
        fields["voice_list"] = [{"voice_id": draw(texts), "text": draw(texts)}]
    if draw(st.sampled_from(["kling-v3", "kling-v2-6"])) == "kling-v3":
        fields["duration"] = duration = draw(st.integers(3, 15))
        fields["sound"] = draw(st.sampled_from(["on", "off"]))
        fields["multi_shot"] = draw(st.sampled_from([None, "true", "intelligence"]))
        if fields["multi_shot"] == "true":
            fields["multi_prompt"] = draw(_segments(duration))
        elif draw(st.booleans()):
            fields["image_tail"] = TAIL
        if draw(st.booleans()):
            ids = draw(st.lists(st.integers(1, 10**9), min_size=1, max_size=4))
            fields["element_list"] = [{"element_id": n} for n in ids]
        body = v3(top, **fields)
    else:
        fields["duration"] = draw(st.sampled_from([5, 10]))
        pro = fields["mode"] == "pro"
        fields["sound"] = draw(st.sampled_from(["on", "off"])) if pro else "off"
        if pro and draw(st.booleans()):
            fields["image_tail"] = TAIL
        body = v26(top, **fields)
    if body["input"].get("sound") != "on":
        body["input"].pop("voice_list", None)
    body["input"] = {k: v for k, v in body["input"].items() if v is not None}
    return body


@given(valid_bodies())
def test_wire_round_trips_through_parse_request(body: dict[str, Any]) -> None:
    request = parse_request(body)
    wire = request.wire()

    assert wire == body
    assert parse_request(wire) == request
    assert check_request(wire) == (request, [])
