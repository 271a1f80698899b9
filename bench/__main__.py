"""`python -m bench [--only NAME ...] [--quick]`: run the benchmarks and print one table.

Every module `bench.bench_<name>` listed in `MODULES` has `run() -> list[Result]`; each
figure is a ratio against a baseline measured in the same run. A full run also writes the
table to `bench/latest.md`. A module that is not there yet is skipped with a printed note;
a module that fails is reported and makes the exit status 1, after the others have run.
`--quick` passes `quick=True` to the modules that take it (tiny sizes, figures not
meaningful) and writes no `latest.md`.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from bench.common import Result, format_table

__all__ = ["MODULES", "Outcome", "main", "run_modules", "short_name"]

# In the order of the benchmarks in issues 7 and 17.
MODULES = (
    "polling",
    "page",
    "images",
    "client",
    "synth",
    "coldstart",
    "latency",
    "sessions",
    "batch",
    "export",
    "scale",
)
LATEST = Path(__file__).resolve().parent / "latest.md"


@dataclass
class Outcome:
    """What a run of some benchmark modules produced."""

    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def short_name(name: str) -> str:
    """`polling` for `polling`, `bench_polling`, `bench.bench_polling` or `bench_polling.py`."""
    return name.removeprefix("bench.").removeprefix("bench_").removesuffix(".py")


def _module_name(name: str) -> str:
    return f"bench.bench_{short_name(name)}"


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _load(name: str) -> ModuleType | None:
    """The benchmark module, or None when it does not exist (yet)."""
    module = _module_name(name)
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


def _call(run: Callable[..., list[Result]], quick: bool) -> list[Result]:
    if quick and "quick" in inspect.signature(run).parameters:
        return run(quick=True)
    return run()


def run_modules(
    names: Sequence[str], *, quick: bool = False, log: Callable[[str], None] = _stderr
) -> Outcome:
    """Import and run each named module (`polling` or `bench_polling`), collecting results."""
    outcome = Outcome()
    for name in names:
        module = _module_name(name)
        started = time.perf_counter()
        try:
            loaded = _load(name)
            if loaded is None:
                note = f"{module}: not present, skipped"
                outcome.notes.append(note)
                log(f"NOTE {note}")
                continue
            log(f"running {module} …")
            results = _call(loaded.run, quick)
            if not results or not all(isinstance(r, Result) for r in results):
                raise TypeError(f"{module}.run() must return a non-empty list of Result")
            outcome.results.extend(results)
        except Exception:
            outcome.failed.append(module)
            log(f"FAILED {module}:\n{traceback.format_exc()}")
        finally:
            outcome.seconds[module] = time.perf_counter() - started
            log(f"  {module}: {outcome.seconds[module]:.1f} s")
    return outcome


def _report(outcome: Outcome, total_s: float) -> str:
    lines = [
        "# Benchmarks — latest full run",
        "",
        f"`python -m bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}; "
        f"{total_s:.0f} s in all. Each ratio is ours / baseline, both measured in this run.",
        "",
        format_table(outcome.results),
        "",
    ]
    extra = outcome.notes + [f"{m}: FAILED (see the run's output)" for m in outcome.failed]
    lines += [f"- {line}" for line in extra]
    timings = ", ".join(f"{m.removeprefix('bench.')} {s:.0f} s" for m, s in outcome.seconds.items())
    lines += [f"- time per module: {timings}", ""]
    return "\n".join(lines)


def _quiet_streamlit() -> None:
    """AppTest's "no runtime" / "missing ScriptRunContext" warnings are expected here."""
    from streamlit import config, logger

    config.set_option("logger.level", "error")
    logger.set_log_level("error")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only this benchmark module (repeatable): {', '.join(MODULES)}",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke run)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.only or () if short_name(n) not in MODULES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    _quiet_streamlit()
    started = time.perf_counter()
    outcome = run_modules(args.only or MODULES, quick=args.quick)
    total_s = time.perf_counter() - started
    table = format_table(outcome.results)
    sys.stdout.write(f"\n{table}\n")
    for note in outcome.notes:
        sys.stdout.write(f"NOTE {note}\n")
    if outcome.failed:
        sys.stdout.write(f"FAILED: {', '.join(outcome.failed)}\n")
    sys.stdout.write(f"total {total_s:.0f} s\n")
    if args.only or args.quick:
        sys.stdout.write(f"(partial or quick run: {LATEST.name} left as it was)\n")
    else:
        LATEST.write_text(_report(outcome, total_s))
        sys.stdout.write(f"written to {os.path.relpath(LATEST)}\n")
    return 1 if outcome.failed else 0


if __name__ == "__main__":
    sys.exit(main())
