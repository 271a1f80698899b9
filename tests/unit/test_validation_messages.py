"""Validation speaks plain words, never raises, and locates every problem.

The fuzz tests feed `check_request` arbitrary JSON-ish bodies: random dicts, wrong types, nested
junk, and valid bodies with random parts replaced. They run ~300 examples each by default. The
`long` twin is opt-in (pyproject deselects `long`; 2,000 examples unless FUZZ_EXAMPLES says):

    FUZZ_EXAMPLES=10000 pytest -m long tests/unit/test_validation_messages.py
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from modelhunter.pricing import quote
from modelhunter.requests import MODEL_IDS, PROMPT_SOFT_LIMIT, parse_request
from modelhunter.validation import Problem, check_request, explain
from playground.form_schema import form_fields

IMG = "https://cdn.example.com/start.png"
# pydantic's own wording, which a plain-words message never shows
JARGON = ("Input should", "Value error", "validation error", "errors.pydantic.dev", "[type=")


def v3(**fields: Any) -> dict[str, Any]:
    return {"model": "kling-v3", "input": {"image": IMG, **fields}}


def v26(**fields: Any) -> dict[str, Any]:
    return {"model": "kling-v2-6", "input": {"image": IMG, **fields}}


def problems_of(body: Any) -> dict[tuple[str | int, ...], str]:
    request, problems = check_request(body)
    assert request is None
    return {p.path: p.message for p in problems}


def assert_plain(problem: Problem) -> None:
    assert isinstance(problem.path, tuple)
    assert all(isinstance(part, str | int) for part in problem.path)
    assert problem.message.strip(), problem
    assert problem.message.endswith("."), problem
    assert not any(word in problem.message for word in JARGON), problem


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        pytest.param(
            v3(duration="x"),
            ("input", "duration"),
            "Duration (s) must be a whole number.",
            id="int",
        ),
        pytest.param(
            v3(duration=9.3e18),
            ("input", "duration"),
            "Duration (s) must be a whole number of a sensible size.",
            id="huge-number",
        ),
        pytest.param(v3(prompt=3), ("input", "prompt"), "Prompt must be text.", id="text"),
        pytest.param(
            v3(multi_shot="true", multi_prompt="one"),
            ("input", "multi_prompt"),
            "Shots must be a list.",
            id="list",
        ),
        pytest.param(
            v3(element_list=[7]),
            ("input", "element_list", 0),
            "Elements item 1 must be an object of named fields.",
            id="item",
        ),
        pytest.param(
            {"model": "kling-v3", "input": "cat"},
            ("input",),
            "Input must be an object of named fields.",
            id="object",
        ),
        pytest.param(
            {**v3(), "metadata": {"n": 2}},
            ("metadata", "n"),
            "Metadata 'n' must be text.",
            id="metadata-entry",
        ),
        pytest.param(
            v3(sound="on", voice_list=[{"voice_id": "a", "text": "b", "speed": 2}]),
            ("input", "voice_list", 0, "speed"),
            "'speed' is not a field of Voices item 1: remove it.",
            id="extra-in-item",
        ),
        pytest.param(
            v26(sound="on", mode="pro", voice_list=[{"voice_id": "a", "text": "b", "prompt": ""}]),
            ("input", "voice_list", 0, "prompt"),
            "'prompt' is not a field of Voices item 1: remove it.",
            id="extra-in-item-named-like-an-input-field",
        ),
        pytest.param(
            v26(element_list=[]),
            ("input", "element_list"),
            "Elements is only available on kling-v3, not on kling-v2-6: remove it.",
            id="other-model-field",
        ),
        pytest.param(
            v3(mode="turbo"),
            ("input", "mode"),
            "Mode must be 'std' or 'pro' on kling-v3.",
            id="enum",
        ),
        pytest.param(
            v26(duration=7),
            ("input", "duration"),
            "Duration (s) must be 5 or 10 on kling-v2-6.",
            id="v2-6-duration",
        ),
        pytest.param(
            v26(mode="std", sound="on"),
            ("input", "sound"),
            "Sound 'On' is only available when Mode is Pro on kling-v2-6. "
            "Switch Mode to Pro, or change Sound.",
            id="declared-option-rule",
        ),
        pytest.param(
            {"input": {"image": IMG}},
            ("model",),
            "Model is required: choose kling-v3 or kling-v2-6.",
            id="no-model",
        ),
        pytest.param(
            {"model": 3, "input": {"image": IMG}},
            ("model",),
            "Model must be kling-v3 or kling-v2-6.",
            id="model-not-text",
        ),
        pytest.param(
            {"model": "", "input": {"image": IMG}},
            ("model",),
            "Model is required: choose kling-v3 or kling-v2-6.",
            id="empty-model",
        ),
        pytest.param(
            {"model": "kling-v1"},
            ("model",),
            "Unknown model 'kling-v1': choose kling-v3 or kling-v2-6.",
            id="unknown-model",
        ),
    ],
)
def test_messages_say_what_to_do_in_plain_words(
    body: dict[str, Any], path: tuple[str | int, ...], message: str
) -> None:
    assert problems_of(body) == {path: message}


@pytest.mark.parametrize("body", [None, [], ["model"], "kling-v3", 3, 2.5, True])
def test_a_body_that_is_not_an_object_is_one_problem_at_the_root(body: Any) -> None:
    assert problems_of(body) == {(): "The request must be a JSON object."}


def test_problem_key_is_the_dotted_path() -> None:
    assert Problem(path=("input", "multi_prompt", 0, "prompt"), message="x").key == (
        "input.multi_prompt.0.prompt"
    )


def test_explain_drops_the_model_tag_from_union_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_request(v26(duration=7, mode="fast"))

    problems = explain(caught.value, "kling-v2-6")

    assert [p.path for p in problems] == [("input", "duration"), ("input", "mode")]
    assert "5 or 10" in problems[0].message


@pytest.mark.parametrize("stray", ["kling-v3", "kling-v2-6"])
def test_a_stray_key_named_like_a_model_is_located_at_that_key(stray: str) -> None:
    body = {**v3(), stray: None}
    message = f"'{stray}' is not a field of kling-v3: remove it."

    assert problems_of(body) == {(stray,): message}
    with pytest.raises(ValidationError) as caught:
        parse_request(body)
    assert explain(caught.value, "kling-v3") == [Problem(path=(stray,), message=message)]


def test_a_prompt_over_the_soft_limit_does_not_block() -> None:
    """The form warns about it (`warn_max_length`); the request itself stays valid."""
    request, problems = check_request(v3(prompt="x" * (PROMPT_SOFT_LIMIT + 1)))

    assert problems == []
    assert request is not None
    for model_id in MODEL_IDS:
        prompt = next(spec for spec in form_fields(model_id) if spec.name == "prompt")
        assert prompt.warn_max_length == PROMPT_SOFT_LIMIT


# --- fuzz --------------------------------------------------------------------------------------

TOP_KEYS = ["model", "input", "webhookUrl", "webhook_url", "metadata"]
INPUT_KEYS = [
    "image",
    "image_tail",
    "prompt",
    "negative_prompt",
    "duration",
    "aspect_ratio",
    "mode",
    "sound",
    "voice_list",
    "multi_shot",
    "multi_prompt",
    "element_list",
]
ITEM_KEYS = ["index", "prompt", "duration", "element_id", "voice_id", "text"]
KNOWN_VALUES = [
    "kling-v3",
    "kling-v2-6",
    "std",
    "pro",
    "on",
    "off",
    "true",
    "intelligence",
    "16:9",
    "1:1",
    IMG,
    "http://",
    "https://example.com/hook",
    0,
    1,
    3,
    5,
    10,
    15,
    -1,
    10**20,
]

MODEL_KEYS = ["kling-v3", "kling-v2-6"]  # a stray key named like a model once crashed explain()
keys = st.sampled_from(TOP_KEYS + INPUT_KEYS + ITEM_KEYS + MODEL_KEYS) | st.text(max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(KNOWN_VALUES)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=20,
)
items = st.lists(st.dictionaries(st.sampled_from(ITEM_KEYS) | keys, json_values, max_size=4))


@st.composite
def mutated_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid body with random fields replaced, added or removed."""
    body: dict[str, Any] = draw(st.sampled_from([v3(), v26()]))
    body["input"] = dict(body["input"])
    for _ in range(draw(st.integers(1, 5))):
        where = draw(st.sampled_from(["input", "input", "input", "top", "drop"]))
        if where == "input" and isinstance(body.get("input"), dict):
            body["input"][draw(st.sampled_from(INPUT_KEYS) | keys)] = draw(json_values | items)
        elif where in ("input", "top"):
            body[draw(st.sampled_from(TOP_KEYS) | keys)] = draw(json_values)
        elif isinstance(body.get("input"), dict) and body["input"]:
            body["input"].pop(draw(st.sampled_from(sorted(body["input"]))))
    return body


bodies = (
    st.dictionaries(keys, json_values, max_size=6)
    | mutated_bodies()
    | json_values.filter(lambda value: not isinstance(value, dict))
)


def check_never_raises(body: Any) -> None:
    request, problems = check_request(body)

    if request is None:
        assert problems, body
        for problem in problems:
            assert_plain(problem)
            assert problem.path or not isinstance(body, dict), problem
    else:
        assert problems == []
        wire = request.wire()
        assert check_request(wire) == (parse_request(wire), [])
        assert parse_request(wire).wire() == wire
        assert Decimal("0.21") <= quote(request).total <= Decimal("2.52")


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@fuzz(300)
@given(bodies)
def test_check_request_never_raises_and_locates_every_problem(body: Any) -> None:
    check_never_raises(body)


LONG_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))


@pytest.mark.long
@pytest.mark.timeout(60 + LONG_EXAMPLES // 10)  # ~25 ms an example; the suite default is 300 s
@fuzz(LONG_EXAMPLES)
@given(bodies)
def test_check_request_fuzz_long(body: Any) -> None:
    check_never_raises(body)
