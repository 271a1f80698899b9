"""From the form to a run: what is wrong with the draft, why Submit is blocked, and sending it.

The Generate page only draws what these decide: the problems by field (and how many hide in
the Advanced section), the reason Submit is disabled, and the outcome of a click (a toast,
a refusal, or nothing for a double click).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modelhunter.pricing import PriceQuote
from modelhunter.requests import KlingV3Request, KlingV26Request
from modelhunter.validation import Problem, check_request
from playground.budget import Budget, BudgetExceededError, Standing
from playground.draft import Draft
from playground.form_schema import form_fields, form_problems
from playground.jobs import Jobs
from playground.row_problems import name_rows
from playground.runs import Run

__all__ = ["FormCheck", "SubmitOutcome", "check_form", "fingerprint", "submit_draft"]

SHOWN_IN_SUMMARY = 3  # problems listed next to the disabled Submit button


@dataclass(frozen=True)
class FormCheck:
    """The draft checked against the request models (and the form's own rules)."""

    request: KlingV3Request | KlingV26Request | None
    problems: list[Problem]
    by_field: dict[str, list[str]] = field(default_factory=dict)
    advanced_problems: int = 0

    @property
    def unplaced(self) -> list[str]:
        """Problems that belong to no field on the form (shown under Submit)."""
        return [p.message for p in self.problems if p.key in ("", "model")]

    def blocked(self, quote: PriceQuote | None, standing: Standing | None) -> str | None:
        """Why Submit is disabled (None when it is not); `standing` only for paid keys."""
        if self.problems:
            count = len(self.problems)
            listed = " · ".join(p.message for p in self.problems[:SHOWN_IN_SUMMARY])
            more = f" (and {count - SHOWN_IN_SUMMARY} more)" if count > SHOWN_IN_SUMMARY else ""
            return f"Fix {count} problem{'s' * (count > 1)} first: {listed}{more}"
        if quote is not None and standing is not None:
            return standing.refusal(quote.total)
        return None


def check_form(draft: Draft, refused: dict[str, list[str]] | None = None) -> FormCheck:
    """Check the draft; a missing start image is not shouted at its field before the user
    did anything (Submit says it). `refused`: why an image the user picked was refused,
    by field; said instead of "is required" (the user did give one)."""
    request, problems = check_request(draft.body())
    problems = name_rows(draft.model, problems)  # "Voice 2: the voice ID is missing."
    problems = [_refusal(p, (refused or {}).get(str(p.path[-1]))) for p in problems]
    if form_only := form_problems(draft.values):  # e.g. no room left for our client_ref
        request, problems = None, [*problems, *form_only]
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        by_field.setdefault(problem.key, []).append(problem.message)
    if "image" not in draft.images:
        by_field.pop("input.image", None)
    advanced = {f.path for f in form_fields(draft.model) if f.group is not None}
    hidden = sum(1 for p in problems if any(p.key.startswith(a) for a in advanced))
    return FormCheck(request, problems, by_field, hidden)


def _refusal(problem: Problem, reasons: list[str] | None) -> Problem:
    if not reasons or not problem.message.endswith(" is required."):
        return problem
    title = problem.message.removesuffix(" is required.")
    return Problem(path=problem.path, message=f"{title} refused: {reasons[0]}")


def fingerprint(request: KlingV3Request | KlingV26Request, draft: Draft) -> str:
    """What makes two clicks the same submit: the request and the images chosen."""
    images = sorted(c.sha256 or c.url or "" for c in draft.images.values())
    return request.model_dump_json() + "".join(images)


@dataclass(frozen=True)
class SubmitOutcome:
    """What a click did: a run (with a toast), or a budget refusal and nothing sent."""

    run: Run | None = None
    refusal: str | None = None

    @property
    def toast(self) -> tuple[str, str] | None:
        """(text, icon) for the toast, or None."""
        if self.run is None:
            return None
        if self.run.error:
            return f"Not submitted: {self.run.error}", ":material/error:"
        return "Submitted — follow it below.", ":material/rocket_launch:"


def submit_draft(
    jobs: Jobs,
    draft: Draft,
    request: KlingV3Request | KlingV26Request,
    image_bytes: dict[str, bytes],
    *,
    budget: Budget | None,
    copy_url_images: bool,
    run_id: str | None = None,
) -> SubmitOutcome:
    """Upload the draft's images and submit once (reserved against `budget` when given).

    `copy_url_images`: the offline Demo backend cannot fetch the internet, so it is sent the
    copy of a URL image that the app fetched for the preview.
    """
    try:
        uploads = draft.uploads(image_bytes, copy_urls=copy_url_images)
        return SubmitOutcome(run=jobs.submit(request, uploads, budget=budget, run_id=run_id))
    except BudgetExceededError as exc:  # another tab or process spent it meanwhile
        return SubmitOutcome(refusal=str(exc))
