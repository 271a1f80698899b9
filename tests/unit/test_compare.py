"""Compare: the picker tells apart runs that differ only in duration or mode; the address
names the runs."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from modelhunter.requests import parse_request
from playground.compare import (
    compare_label,
    compare_params,
    leader,
    parse_compare,
    settings_rows,
)
from playground.runs import Run

AT = datetime(2026, 3, 14, 9, 26, tzinfo=UTC)


def _run(run_id: str, **inputs: object) -> Run:
    request = parse_request(
        {
            "model": "kling-v3",
            "input": {"image": "https://example.com/a.png", "prompt": "slow push in", **inputs},
        }
    )
    return Run(run_id=run_id, created_at=AT, request=request, price=Decimal("0.42"))


def test_picker_labels_differ_when_only_duration_or_mode_differ() -> None:
    runs = [
        _run("a", duration=5),
        _run("b", duration=10),
        _run("c", duration=5, mode="pro", sound="on"),
    ]
    labels = [compare_label(r) for r in runs]
    assert len(set(labels)) == 3
    assert " · kling-v3 · 5 s · Standard · silent · slow push in" in labels[0]
    assert " · kling-v3 · 10 s · Standard · silent · " in labels[1]
    assert " · 5 s · Pro · sound · " in labels[2]
    differ, _ = settings_rows(runs)
    assert [name for name, _ in differ] == ["duration", "mode", "sound"]


def test_a_run_with_a_title_and_a_long_prompt_is_named_briefly() -> None:
    run = _run("a", prompt="x" * 80).model_copy(update={"title": "Take two"})
    assert compare_label(run).endswith(" · Take two")
    assert compare_label(_run("b", prompt="y" * 80)).endswith("y" * 50 + "…")


def test_the_address_names_at_most_four_well_formed_runs() -> None:
    assert parse_compare({"runs": ["a,b,<x>,a,c,d,e"]}) == ["a", "b", "c", "d"]
    assert compare_params(["a", "b"]) == {"runs": "a,b"}


def test_the_longest_clip_leads_so_no_clip_is_cut_short() -> None:
    assert leader([_run("a", duration=5), _run("b", duration=10), _run("c", duration=8)]) == 1
    assert leader([_run("a", duration=5), _run("b", duration=5)]) == 0  # the first of equals
