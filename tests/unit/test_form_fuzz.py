"""Fuzz the form side: arbitrary values for every field path of both models, through the
form schema, the draft and request validation. Nothing may raise, and every rejection
comes with at least one located, worded problem.

The default run (300 examples) is sized for CI. The `long` twin is opt-in (pyproject deselects
`long`): `pytest -m long tests/unit/test_form_fuzz.py` runs 2,000 examples, or
`FUZZ_EXAMPLES=10000 pytest -m long …` as many as asked.
"""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from modelhunter.requests import MODEL_IDS
from modelhunter.validation import check_request
from playground.draft import Draft, ImageChoice
from playground.form_schema import (
    FieldSpec,
    allowed_options,
    build_body,
    coerce,
    coerced_values,
    form_fields,
    unavailable_reason,
)

EXAMPLES = 300
LONG_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))

SPECS: dict[str, list[FieldSpec]] = {m: form_fields(m) for m in MODEL_IDS}
ALL_SPECS = {spec.path: spec for specs in SPECS.values() for spec in specs}

_HUGE = (("x", 10_001), ("é", 100_000), ("\x00", 3000), (" ", 5000))


def _huge(which: int) -> str:
    char, count = _HUGE[which]
    return char * count


huge_text = st.integers(0, len(_HUGE) - 1).map(_huge)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-20, max_value=20),
    st.integers(),
    st.sampled_from([-(2**70), 2**70, 10**100]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    huge_text,
    st.binary(max_size=16),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=12), inner, max_size=4),
        st.tuples(inner, inner),
    ),
    max_leaves=12,
)


def _item(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """A list item: the item's own fields with plausible or junk values, maybe extra keys."""
    fields = {item.name: _value(item) for item in spec.item_fields}
    plausible = st.fixed_dictionaries({}, optional=fields)
    return st.one_of(plausible, plausible, st.dictionaries(st.text(max_size=10), junk))


def _value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Values a widget could give this field, and a lot it never would."""
    options: list[st.SearchStrategy[Any]] = [junk]
    if spec.options:
        options.append(st.sampled_from(spec.options))
    if spec.kind in ("slider", "number"):
        low = spec.minimum if spec.minimum is not None else -5
        high = spec.maximum if spec.maximum is not None else 20
        options.append(st.integers(low - 3, high + 3))
    if spec.kind in ("text", "textarea", "image"):
        options.append(st.text(max_size=60))
        options.append(st.sampled_from(["https://example.com/a.png", "https://x.y/" + "z" * 3000]))
    if spec.kind == "list" and spec.item_fields:
        options.append(st.lists(_item(spec), max_size=(spec.max_items or 3) + 2))
    if spec.kind == "keyvalue":
        options.append(st.dictionaries(st.text(max_size=70), st.text(max_size=600), max_size=20))
    return st.one_of(*options)


values = st.fixed_dictionaries(
    {}, optional={path: _value(spec) for path, spec in ALL_SPECS.items()}
).flatmap(
    lambda known: st.dictionaries(st.text(max_size=20), junk, max_size=3).map(
        lambda extra: {**extra, **known}
    )
)
image_urls = st.one_of(
    st.sampled_from(["https://example.com/start.png", "https://pending-upload.invalid/ab/c.png"]),
    st.text(max_size=80),
    huge_text,
)
images = st.dictionaries(st.sampled_from(["image", "image_tail", "prompt", "nope"]), image_urls)


def _plain(problems: list[Any]) -> None:
    assert problems, "a rejection says why"
    for problem in problems:
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert problem.path, f"not located: {problem}"
        assert "pydantic" not in problem.message.lower(), problem.message


def check(model: str, form: dict[str, Any], urls: dict[str, str]) -> str:
    """The whole form pipeline on one set of values; raises only through assertions.

    Returns whether the values made a valid request ("valid") or were refused.
    """
    for spec in SPECS[model]:
        scoped = {**form, "model": model}
        unavailable_reason(spec, scoped)
        allowed_options(spec, scoped)
        coerce(spec, form.get(spec.path), scoped)
    coerced = coerced_values(model, form)
    assert coerced["model"] == model
    body = build_body(model, form, urls)
    assert body["model"] == model and isinstance(body["input"], dict)
    request, problems = check_request(body)
    if request is None:
        _plain(problems)
    else:
        again, more = check_request(request.wire())
        assert again == request and not more

    choices = {name: ImageChoice(kind="url", name="picked", url=url) for name, url in urls.items()}
    draft = Draft(model=model, values=form, images=choices)
    wire_urls = {name: choice.wire_url() for name, choice in choices.items()}
    assert draft.body() == build_body(model, form, wire_urls)
    draft.effective()
    draft.uploads({})
    return "valid" if request is not None else "refused"


def _fuzz(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@_fuzz(EXAMPLES)
@given(model=st.sampled_from(MODEL_IDS), form=values, urls=images)
def test_form_values_never_break_the_form_or_validation(
    model: str, form: dict[str, Any], urls: dict[str, str]
) -> None:
    event(check(model, form, urls))


@pytest.mark.long
@pytest.mark.timeout(60 + LONG_EXAMPLES // 10)
@_fuzz(LONG_EXAMPLES)
@given(model=st.sampled_from(MODEL_IDS), form=values, urls=images)
def test_form_values_never_break_the_form_or_validation_long(
    model: str, form: dict[str, Any], urls: dict[str, str]
) -> None:
    """`FUZZ_EXAMPLES=10000 pytest -m long tests/unit/test_form_fuzz.py`."""
    event(check(model, form, urls))


@pytest.mark.parametrize("value", [math.inf, -math.inf, True, 10**100, -(2**70), "7", None, []])
def test_odd_numbers_for_the_duration(value: Any) -> None:
    for model in MODEL_IDS:
        check(model, {"input.duration": value}, {"image": "https://example.com/a.png"})


# Two shapes that once crashed the form (list items that are not objects, a NaN number).


@pytest.mark.parametrize("item", [None, 1, "ab", ["x", "y", "z"], [[]]])
def test_list_items_that_are_not_objects_are_refused_not_raised(item: Any) -> None:
    form = {"input.multi_shot": "true", "input.multi_prompt": [item]}
    assert check("kling-v3", form, {"image": "https://example.com/a.png"}) == "refused"


def test_a_nan_duration_falls_back_to_the_default_not_raised() -> None:
    """The form coerces a NaN to the field's default (5 s), so the request is valid."""
    urls = {"image": "https://example.com/a.png"}
    assert check("kling-v3", {"input.duration": math.nan}, urls) == "valid"
    assert build_body("kling-v3", {"input.duration": math.nan}, urls)["input"]["duration"] == 5
