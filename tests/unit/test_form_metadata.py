"""The form leaves room for the metadata entry the playground adds (`client_ref`)."""

from __future__ import annotations

import pytest

from modelhunter.requests import parse_request
from modelhunter.validation import check_request
from playground.form_schema import form_fields, form_problems

IMAGE = "https://img.example.com/cat.png"


def entries(n: int) -> dict[str, str]:
    return {f"k{i}": "v" for i in range(n)}


def body(metadata: dict[str, str]) -> dict[str, object]:
    return {"model": "kling-v3", "input": {"image": IMAGE}, "metadata": metadata}


def test_fifteen_entries_plus_client_ref_is_what_the_api_takes() -> None:
    assert form_problems({"metadata": entries(15)}) == []
    sent = parse_request(body({**entries(15), "client_ref": "run_1"}))  # as jobs sends it
    assert sent.metadata is not None and len(sent.metadata) == 16


def test_sixteen_entries_pass_the_api_rule_but_not_the_form() -> None:
    """The API-side rule stays 16 for a full request; the form says 15, and why."""
    assert check_request(body(entries(16)))[1] == []
    assert "16" in check_request(body(entries(17)))[1][0].message
    (problem,) = form_problems({"metadata": entries(16)})
    assert problem.path == ("metadata",)
    assert "at most 15 metadata entries (16 now)" in problem.message
    assert "client_ref" in problem.message


def test_client_ref_is_reserved() -> None:
    (problem,) = form_problems({"metadata": {"client_ref": "mine"}})
    assert problem.path == ("metadata",) and "another name" in problem.message


@pytest.mark.parametrize("model", ["kling-v3", "kling-v2-6"])
def test_the_metadata_field_says_its_limit_and_why(model: str) -> None:
    (spec,) = [f for f in form_fields(model) if f.name == "metadata"]
    assert spec.max_items == 15
    assert spec.help is not None
    assert "Up to 15 entries" in spec.help and "client_ref" in spec.help


@pytest.mark.parametrize("values", [{}, {"metadata": None}, {"metadata": {}}])
def test_no_metadata_no_problem(values: dict[str, object]) -> None:
    assert form_problems(values) == []
