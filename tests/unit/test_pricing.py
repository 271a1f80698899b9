"""Pricing (contract §3): every published cell, the worked examples, and agreement with validation.

The expected prices are written out here from the contract, not read from `pricing.py`, so a
changed table in the code fails these tests.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelhunter.pricing import NoPriceError, PriceQuote, format_usd, price_for, quote
from modelhunter.requests import parse_request
from modelhunter.validation import check_request

IMG = "https://cdn.example.com/start.png"

V3_RATES = [
    ("std", "off", "0.084"),
    ("std", "on", "0.126"),
    ("pro", "off", "0.112"),
    ("pro", "on", "0.168"),
]
V26_TABLE = [
    ("std", 5, "off", "0.21"),
    ("std", 10, "off", "0.42"),
    ("pro", 5, "off", "0.35"),
    ("pro", 10, "off", "0.70"),
    ("pro", 5, "on", "0.70"),
    ("pro", 10, "on", "1.40"),
]
CHEAPEST = Decimal("0.21")  # kling-v2-6 std 5 s silent
DEAREST = Decimal("2.52")  # kling-v3 pro sound on, 15 s × $0.168


def body(model: str, mode: str, sound: str, duration: int) -> dict[str, Any]:
    settings = {"mode": mode, "sound": sound, "duration": duration}
    return {"model": model, "input": {"image": IMG, **settings}}


@pytest.mark.parametrize("seconds", range(3, 16))
@pytest.mark.parametrize(("mode", "sound", "rate"), V3_RATES, ids=lambda v: str(v))
def test_kling_v3_is_rate_times_seconds_exactly(
    mode: str, sound: str, rate: str, seconds: int
) -> None:
    price = price_for("kling-v3", mode, sound, seconds)

    assert price.total == Decimal(rate) * seconds
    assert not price.estimated
    assert f"${rate}/s × {seconds} s" in price.breakdown


@pytest.mark.parametrize(("mode", "seconds", "sound", "price"), V26_TABLE)
def test_kling_v2_6_fixed_price_per_video(mode: str, seconds: int, sound: str, price: str) -> None:
    quoted = price_for("kling-v2-6", mode, sound, seconds)

    assert quoted.total == Decimal(price)
    assert quoted.estimated
    assert "estimated" in quoted.breakdown
    assert "published range $0.21–$1.40" in quoted.breakdown
    assert f"{seconds} s" in quoted.breakdown


@pytest.mark.parametrize(
    ("model", "mode", "sound", "seconds", "label"),
    [
        pytest.param("kling-v3", "std", "off", 5, "$0.42", id="v3-std-5s-silent"),
        pytest.param("kling-v3", "pro", "on", 10, "$1.68", id="v3-pro-10s-sound"),
        pytest.param("kling-v3", "std", "on", 15, "$1.89", id="v3-std-15s-sound"),
        pytest.param("kling-v3", "pro", "off", 3, "$0.336", id="v3-pro-3s-silent"),
        pytest.param("kling-v2-6", "pro", "on", 10, "$1.40", id="v2-6-pro-10s-sound"),
    ],
)
def test_worked_examples_of_the_contract(
    model: str, mode: str, sound: str, seconds: int, label: str
) -> None:
    price = price_for(model, mode, sound, seconds)

    assert price.label == label
    assert price.total == Decimal(label.removeprefix("$"))


@pytest.mark.parametrize(
    ("model", "mode", "sound", "seconds"),
    [
        pytest.param("kling-v2-6", "std", "on", 5, id="v2-6-std-sound-5s"),
        pytest.param("kling-v2-6", "std", "on", 10, id="v2-6-std-sound-10s"),
        pytest.param("kling-v2-6", "pro", "off", 7, id="v2-6-7s"),
        pytest.param("kling-v2-6", "std", "off", 15, id="v2-6-15s"),
        pytest.param("kling-v3", "std", "off", 2, id="v3-2s"),
        pytest.param("kling-v3", "pro", "on", 16, id="v3-16s"),
        pytest.param("kling-v3", "std", "off", 0, id="v3-0s"),
        pytest.param("kling-v3", "fast", "off", 5, id="v3-unknown-mode"),
        pytest.param("kling-v2-6", "fast", "off", 5, id="v2-6-unknown-mode"),
        pytest.param("kling-v3", "std", "loud", 5, id="v3-unknown-sound"),
        pytest.param("kling-v1", "std", "off", 5, id="unknown-model"),
    ],
)
def test_combinations_without_a_price_raise(
    model: str, mode: str, sound: str, seconds: int
) -> None:
    with pytest.raises(NoPriceError) as caught:
        price_for(model, mode, sound, seconds)

    assert "no price" in str(caught.value).lower()
    assert model in str(caught.value)


def test_no_price_error_is_a_value_error() -> None:
    assert issubclass(NoPriceError, ValueError)


@pytest.mark.parametrize("model", ["kling-v3", "kling-v2-6"])
@pytest.mark.parametrize("mode", ["std", "pro"])
@pytest.mark.parametrize("sound", ["on", "off"])
@pytest.mark.parametrize("seconds", range(1, 17))
def test_a_price_exists_exactly_for_the_settings_validation_accepts(
    model: str, mode: str, sound: str, seconds: int
) -> None:
    request, _ = check_request(body(model, mode, sound, seconds))

    if request is None:
        with pytest.raises(NoPriceError):
            price_for(model, mode, sound, seconds)
    else:
        assert quote(request) == price_for(model, mode, sound, seconds)


@pytest.mark.parametrize(
    ("settings", "total"),
    [
        pytest.param(body("kling-v3", "pro", "on", 8), "1.344", id="v3"),
        pytest.param(body("kling-v2-6", "std", "off", 10), "0.42", id="v2-6"),
    ],
)
def test_quote_prices_a_request_by_its_settings(settings: dict[str, Any], total: str) -> None:
    request = parse_request(settings)
    data = settings["input"]

    assert quote(request) == price_for(
        settings["model"], data["mode"], data["sound"], data["duration"]
    )
    assert quote(request).total == Decimal(total)


def test_extras_do_not_change_the_price() -> None:
    plain = parse_request(body("kling-v3", "pro", "on", 6))
    rich = parse_request(
        {
            "model": "kling-v3",
            "input": {
                **plain.wire()["input"],
                "image_tail": IMG,
                "voice_list": [{"voice_id": "v", "text": "hi"}],
                "element_list": [{"element_id": 1}],
                "multi_shot": "intelligence",
            },
        }
    )

    assert quote(rich) == quote(plain)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0.42", "$0.42"),
        ("0.420", "$0.42"),
        ("0.336", "$0.336"),
        ("1.4", "$1.40"),
        ("1.40", "$1.40"),
        ("2.520", "$2.52"),
        ("2", "$2.00"),
        ("0.21", "$0.21"),
        ("0.084", "$0.084"),
        ("0", "$0.00"),
        ("12.5", "$12.50"),
    ],
)
def test_format_usd(amount: str, text: str) -> None:
    assert format_usd(Decimal(amount)) == text


def test_quote_label_is_the_formatted_total() -> None:
    price = PriceQuote(total=Decimal("0.336"), breakdown="x")

    assert price.label == "$0.336"


JUNK = st.sampled_from([None, "", "max", 0, 2, 7, 16, 2.5, True, [1]]) | st.integers(-5, 25)


def _mostly(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a value from `values`, one time in five something the models may reject."""
    return st.integers(0, 4).flatmap(lambda n: JUNK if n == 0 else values)


@st.composite
def priced_bodies(draw: st.DrawFn) -> dict[str, Any]:
    model = draw(st.sampled_from(["kling-v3", "kling-v2-6"]))
    seconds = st.integers(3, 15) if model == "kling-v3" else st.sampled_from([5, 10])
    fields = {
        "mode": draw(_mostly(st.sampled_from(["std", "pro"]))),
        "sound": draw(_mostly(st.sampled_from(["on", "off"]))),
        "duration": draw(_mostly(seconds)),
        "aspect_ratio": draw(_mostly(st.sampled_from(["16:9", "9:16", "1:1"]))),
        "image_tail": draw(st.sampled_from([None, IMG])),
    }
    if fields["sound"] == "on" and draw(st.booleans()):
        fields["voice_list"] = [{"voice_id": "v", "text": "hi"}]
    if model == "kling-v3":
        fields["multi_shot"] = draw(st.sampled_from([None, "intelligence", "true"]))
        if fields["multi_shot"] == "true":
            fields["multi_prompt"] = [{"index": 1, "prompt": "one shot"}]
    settings = {key: value for key, value in fields.items() if value is not None}
    return {"model": model, "input": {"image": IMG, **settings}}


@given(priced_bodies())
def test_every_accepted_body_has_a_price_within_the_published_bounds(
    candidate: dict[str, Any],
) -> None:
    request, problems = check_request(candidate)

    if request is None:
        assert problems
    else:
        price = quote(request)
        assert CHEAPEST <= price.total <= DEAREST
        assert price.estimated == (request.model == "kling-v2-6")
