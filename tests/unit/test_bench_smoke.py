"""Benchmarks stay runnable: every module imports, the cheap ones run with tiny sizes.

Only the shape of the results is checked, never a timing or a ratio (those are noise at
these sizes and on a shared machine).
"""

from __future__ import annotations

import importlib
import math
import sys
import types
from collections import Counter
from pathlib import Path

import pytest

from bench.__main__ import MODULES, main, run_modules, short_name
from bench.common import Result, format_table

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
PRESENT = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))


def _well_formed(results: list[Result]) -> None:
    assert results
    for r in results:
        assert isinstance(r, Result)
        assert r.name and r.unit and r.baseline_label and r.ours_label
        assert math.isfinite(r.baseline) and r.baseline > 0, r
        assert math.isfinite(r.ours) and r.ours >= 0, r
        assert math.isfinite(r.ratio), r
        assert r.goal > 0
        assert isinstance(r.met, bool)
    table = format_table(results)
    assert all(r.name in table for r in results)


def test_every_bench_module_is_run_by_the_command() -> None:
    assert {short_name(name) for name in PRESENT} <= set(MODULES)


@pytest.mark.parametrize("name", PRESENT)
def test_bench_module_imports_and_has_run(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert callable(module.run)


def test_polling_quick() -> None:
    from bench import bench_polling

    results = bench_polling.run(quick=True)
    _well_formed(results)
    assert len(results) == 3


def test_client_quick() -> None:
    from bench import bench_client

    results = bench_client.run(quick=True)
    _well_formed(results)
    assert [r.unit for r in results] == ["MB", "ms"]


def test_page_quick() -> None:
    from bench import bench_page

    results = bench_page.run(quick=True)
    _well_formed(results)
    assert len(results) == 2


def test_batch_quick() -> None:
    from bench import bench_batch

    results = bench_batch.run(quick=True)
    _well_formed(results)
    assert "duplicate tasks: 0" in results[0].note


def test_export_quick() -> None:
    from bench import bench_export

    results = bench_export.run(quick=True)
    _well_formed(results)
    assert [r.unit for r in results] == ["s", "MB"]


def test_scale_quick() -> None:
    from bench import bench_scale

    results = bench_scale.run(quick=True)
    _well_formed(results)
    assert len(results) == 3


def test_sessions_quick() -> None:
    from bench import bench_sessions

    results = bench_sessions.run(quick=True)
    _well_formed(results)
    assert results[0].ours == 1  # the shared poller: one list request in the busiest cycle


def test_plain_script_mirrors_the_widgets_and_elements() -> None:
    from bench.bench_page import Elements, plain_script

    elements = Elements(Counter({"Button": 2, "Slider": 1, "Unheard": 1}), others=3, blocks=2)
    widgets_only = plain_script(elements)
    assert widgets_only.count("st.button(") == 2
    assert widgets_only.count("st.slider(") == 1
    assert widgets_only.count("st.text_input(") == 1  # unknown kinds become text inputs
    assert "st.caption(" not in widgets_only
    full = plain_script(elements, widgets_only=False)
    assert full.count("st.caption(") == 3
    assert full.count("st.container()") == 2
    compile(full, "plain.py", "exec")


def test_coldstart_hello_world_is_a_valid_script() -> None:
    from bench import bench_coldstart

    compile(bench_coldstart.HELLO_SCRIPT, "hello.py", "exec")


def test_absent_module_is_skipped_with_a_note() -> None:
    lines: list[str] = []
    outcome = run_modules(["no_such_benchmark"], log=lines.append)
    assert outcome.results == [] and outcome.failed == []
    assert outcome.notes == ["bench.bench_no_such_benchmark: not present, skipped"]
    assert any(line.startswith("NOTE") for line in lines)


def test_failing_or_empty_module_is_reported_and_the_rest_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom() -> list[Result]:
        raise RuntimeError("broken benchmark")

    fine = Result("fine", "s", "base", 2.0, "ours", 1.0, goal=1.0)
    for name, run in (("broken", boom), ("empty", list), ("fine", lambda: [fine])):
        module = types.ModuleType(f"bench.bench_{name}")
        module.run = run  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, f"bench.bench_{name}", module)
    lines: list[str] = []
    outcome = run_modules(["broken", "empty", "fine"], log=lines.append)
    assert outcome.failed == ["bench.bench_broken", "bench.bench_empty"]
    assert outcome.results == [fine]
    assert any("broken benchmark" in line for line in lines)


def test_short_names() -> None:
    assert {short_name(n) for n in ("polling", "bench_polling", "bench.bench_polling")} == {
        "polling"
    }


def test_unknown_only_is_refused() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--only", "nonsense"])
    assert exc.value.code == 2
