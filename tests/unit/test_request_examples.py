"""The contract's example submit bodies are valid requests, and `wire()` sends them unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelhunter.pricing import quote
from modelhunter.requests import KlingV3Request, KlingV26Request, parse_request
from modelhunter.validation import check_request

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "api"
CASES = [
    pytest.param("submit-request-v3.json", KlingV3Request, "1.344", id="v3"),
    pytest.param("submit-request-v2-6.json", KlingV26Request, "0.21", id="v2-6"),
]


@pytest.mark.parametrize(("name", "cls", "_price"), CASES)
def test_example_parses_and_wire_reproduces_it_exactly(
    name: str, cls: type[KlingV3Request | KlingV26Request], _price: str
) -> None:
    body = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))

    request = parse_request(body)

    assert type(request) is cls
    assert request.wire() == body
    assert json.dumps(request.wire(), sort_keys=True) == json.dumps(body, sort_keys=True)
    assert check_request(body) == (request, [])


@pytest.mark.parametrize(("name", "_cls", "price"), CASES)
def test_example_has_a_price(name: str, _cls: type, price: str) -> None:
    request = parse_request(json.loads((EXAMPLES / name).read_text(encoding="utf-8")))

    assert str(quote(request).total) == price
