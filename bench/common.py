"""Shared result type and table printing for the benchmarks."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Result", "format_table"]


@dataclass(frozen=True)
class Result:
    """One benchmark figure: ours vs a baseline measured in the same run.

    `lower_is_better` says which direction the goal points; `goal` is the ratio
    ours/baseline that must hold (<= goal when lower is better, >= goal otherwise).
    """

    name: str
    unit: str
    baseline_label: str
    baseline: float
    ours_label: str
    ours: float
    goal: float
    lower_is_better: bool = True
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio <= self.goal if self.lower_is_better else self.ratio >= self.goal


def format_table(results: list[Result]) -> str:
    """Markdown table of results (also what the README records)."""
    lines = [
        "| benchmark | baseline | ours | ratio | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        sign = "≤" if r.lower_is_better else "≥"
        lines.append(
            f"| {r.name} | {r.baseline_label}: {r.baseline:.4g} {r.unit} "
            f"| {r.ours_label}: {r.ours:.4g} {r.unit} | {r.ratio:.3g}× "
            f"| {sign} {r.goal:g}× | {'yes' if r.met else 'NO'}{' — ' + r.note if r.note else ''} |"
        )
    return "\n".join(lines)
