"""Variation batches: every combination of the varied settings, priced, before anything is sent.

A batch starts from the form (`Draft`) and varies any of prompt (one per line), negative
prompt, model, mode, duration, sound and aspect ratio, optionally N takes of each. `plan_batch`
lists every combination with its price; a combination the API would refuse (a duration the
model does not offer, sound without Pro on v2.6, a rule of the request) is listed with the
reason and left out of the total. Sending is `batch_runner.send_batch`; a sent batch is kept
in the store (`batch_book`).
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from modelhunter.pricing import quote
from modelhunter.requests import MODE_LABELS, KlingRequest
from modelhunter.validation import check_request
from playground.draft import Draft
from playground.form_schema import (
    allowed_options,
    coerced_values,
    form_fields,
    form_problems,
    unavailable_reason,
)

__all__ = [
    "AXES",
    "MAX_COMBINATIONS",
    "MAX_TAKES",
    "BatchPlan",
    "Combination",
    "Variations",
    "plan_batch",
    "split_lines",
]

MAX_COMBINATIONS = 24  # one batch; more is a typo more often than a plan (and a big bill)
MAX_TAKES = 6
# Varied settings: (Variations field, form path, column title).
AXES: tuple[tuple[str, str, str], ...] = (
    ("prompts", "input.prompt", "Prompt"),
    ("negative_prompts", "input.negative_prompt", "Negative prompt"),
    ("models", "model", "Model"),
    ("modes", "input.mode", "Mode"),
    ("durations", "input.duration", "Duration"),
    ("sounds", "input.sound", "Sound"),
    ("aspect_ratios", "input.aspect_ratio", "Aspect ratio"),
)


def split_lines(text: str) -> list[str]:
    """One value per non-empty line (surrounding spaces removed)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class Variations(BaseModel):
    """What to vary; an empty list keeps the form's value for that setting."""

    prompts: list[str] = Field(default_factory=list)
    negative_prompts: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    modes: list[str] = Field(default_factory=list)
    durations: list[int] = Field(default_factory=list)
    sounds: list[str] = Field(default_factory=list)
    aspect_ratios: list[str] = Field(default_factory=list)
    takes: int = Field(default=1, ge=1, le=MAX_TAKES)

    def count(self) -> int:
        """How many combinations these variations make (takes included)."""
        n = self.takes
        for name, _, _ in AXES:
            n *= max(1, len(getattr(self, name)))
        return n

    def varied(self) -> list[str]:
        """Titles of the settings that take more than the form's value."""
        return [title for name, _, title in AXES if getattr(self, name)]


class Combination(BaseModel):
    """One combination: its settings, and its request and price, or why it is refused."""

    index: int
    take: int = 1
    settings: dict[str, str]  # varied setting title -> shown value
    draft: Draft
    request: KlingRequest | None = None
    price: Decimal | None = None
    price_estimated: bool = False
    refusal: str | None = None


class BatchPlan(BaseModel):
    """Every combination, the ones that will be sent, and their total."""

    combinations: list[Combination]
    varied: list[str]

    @property
    def columns(self) -> list[str]:
        """The settings the table shows, in the form's order (every combination has each)."""
        titles = [title for _, _, title in AXES] + ["Take"]
        return [t for t in titles if any(t in c.settings for c in self.combinations)]

    @property
    def accepted(self) -> list[Combination]:
        return [c for c in self.combinations if c.request is not None]

    @property
    def refused(self) -> list[Combination]:
        return [c for c in self.combinations if c.request is None]

    @property
    def total(self) -> Decimal:
        return sum((c.price or Decimal(0) for c in self.accepted), Decimal(0))

    @property
    def estimated(self) -> bool:
        return any(c.price_estimated for c in self.accepted)


def _shown(path: str, value: Any) -> str:
    if path == "input.mode":
        return MODE_LABELS.get(str(value), str(value))
    if path == "input.duration":
        return f"{value} s"
    if path == "input.sound":
        return "On" if value == "on" else "Off"
    return "(none)" if value in (None, "") else str(value)


def _refusal(draft: Draft, wanted: dict[str, Any]) -> str | None:
    """Why the model would not take a wanted value (it would be changed or left out)."""
    scoped = coerced_values(draft.model, draft.values)
    specs = {f.path: f for f in form_fields(draft.model)}
    for path, value in wanted.items():
        spec = specs.get(path)
        if path == "model" or spec is None or value in (None, ""):
            continue
        if reason := unavailable_reason(spec, scoped):
            return f"{spec.title} {reason}."
        needs = spec.option_requires.get(value) if isinstance(value, str | int) else None
        if needs and (
            reason := unavailable_reason(spec.model_copy(update={"requires": needs}), scoped)
        ):
            return f"{spec.title} {spec.label(value)} {reason} on {draft.model}."
        if spec.kind == "choice" and value not in allowed_options(spec, scoped):
            offered = ", ".join(spec.label(o) for o in allowed_options(spec, scoped))
            return f"{draft.model} takes {spec.title.lower()} {offered}, not {spec.label(value)}."
        if scoped.get(path) != value:
            return f"{draft.model} does not take {spec.title.lower()} {_shown(path, value)}."
    return None


def _combine(base: Draft, index: int, take: int, wanted: dict[str, Any]) -> Combination:
    values = {**base.values, **{p: v for p, v in wanted.items() if p != "model"}}
    draft = Draft(model=wanted.get("model", base.model), values=values, images=base.images)
    titles = {path: title for _, path, title in AXES}
    settings = {titles[p]: _shown(p, v) for p, v in wanted.items()}
    combo = Combination(index=index, take=take, settings=settings, draft=draft)
    # a setting the form keeps but this model changes (7 s on v2.6 is 5 s): said in the row
    before = coerced_values(base.model, base.values)
    after = coerced_values(draft.model, draft.values)
    for _, path, title in AXES:
        if path not in wanted and path != "model" and before.get(path) != after.get(path):
            old, new = _shown(path, before.get(path)), _shown(path, after.get(path))
            combo.settings[title] = f"{new} (form: {old})"
    if reason := _refusal(draft, wanted):
        combo.refusal = reason
        return combo
    request, problems = check_request(draft.body())
    problems = [*problems, *form_problems(draft.values)]
    if problems or request is None:
        combo.refusal = problems[0].message if problems else "The API would refuse it."
        return combo
    price = quote(request)
    combo.request, combo.price, combo.price_estimated = request, price.total, price.estimated
    return combo


def plan_batch(base: Draft, variations: Variations) -> BatchPlan:
    """Every combination of `variations` applied to the form `base`, priced or refused.

    Raises:
        ValueError: more than `MAX_COMBINATIONS` combinations.
    """
    count = variations.count()
    if count > MAX_COMBINATIONS:
        raise ValueError(
            f"{count} combinations: a batch takes at most {MAX_COMBINATIONS}. "
            "Vary fewer settings or take fewer takes."
        )
    axes = [(path, getattr(variations, name)) for name, path, _ in AXES]
    varied = [(path, options) for path, options in axes if options]
    combos: list[Combination] = []
    for choice in itertools.product(*(options for _, options in varied)):
        wanted = {path: value for (path, _), value in zip(varied, choice, strict=True)}
        for take in range(1, variations.takes + 1):
            combos.append(_combine(base, len(combos) + 1, take, wanted))
    # a setting one combination notes (the model changes it) is shown in every row: the
    # others keep the form's value
    form = coerced_values(base.model, base.values)
    for _, path, title in AXES:
        if any(title in c.settings for c in combos):
            for combo in combos:
                combo.settings.setdefault(title, _shown(path, form.get(path)))
    if variations.takes > 1:
        for combo in combos:
            combo.settings["Take"] = str(combo.take)
    plan = BatchPlan(combinations=combos, varied=variations.varied())
    for combo in combos:  # in the table's order
        combo.settings = {t: combo.settings[t] for t in plan.columns if t in combo.settings}
    return plan
