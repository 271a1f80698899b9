"""A run: one click of Submit, from the request to the stored video."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from modelhunter.requests import KlingRequest
from modelhunter.responses import Task, TaskStatus

__all__ = ["InputImage", "Run", "RunPhase"]

_UNTRACKED = frozenset(("rejected", "not_sent", "gone", "from_disk"))  # phases never polled

# Where a run is on our side; once a task exists its own status takes over.
# `unknown`: the submit may have created a task (no reply, a 5xx…): it is looked for, and
# counted against the budget, until found; only a request that provably never left the
# machine is `not_sent`.
# `gone`: the API answered 404 for a task we tracked (e.g. the Demo backend restarted).
# `from_disk`: rebuilt from a video file after the database was damaged (task not known).
RunPhase = Literal["submitting", "unknown", "rejected", "tracking", "not_sent", "gone", "from_disk"]


class InputImage(BaseModel):
    """An image the user gave: a stored local copy (by sha256) and/or a URL."""

    model_config = ConfigDict(frozen=True)

    name: str
    sha256: str | None = None
    url: str | None = None
    content_type: str | None = None


class Run(BaseModel):
    """Everything the gallery shows about one submission, persisted in the store."""

    model_config = ConfigDict(extra="ignore")

    run_id: str
    created_at: datetime
    request: KlingRequest | None = None  # None for a task recovered from the API list
    price: Decimal
    price_estimated: bool = False
    images: dict[str, InputImage] = Field(default_factory=dict)
    phase: RunPhase = "submitting"
    task: Task | None = None
    estimated_seconds: int | None = None
    error_code: str | None = None
    error: str | None = None
    advice: str | None = None
    video_file: str | None = None
    video_error: str | None = None
    download_attempts: int = 0
    batch_id: str | None = None  # the variation batch this run belongs to (playground/batches.py)
    # An unknown submit: when lookups began, whether automatic lookups are over (the user
    # may still "Check again"), and tasks that may be this run but carry no metadata.
    unknown_since: datetime | None = None
    lookups_paused: bool = False
    candidates: list[Task] = Field(default_factory=list)
    # Curation (rules in playground/curation.py): a deleted run is kept until its undo
    # window has passed, then its row and files are removed.
    starred: bool = False
    hidden: bool = False
    deleted_at: datetime | None = None
    title: str | None = None  # the user's own title (None: the prompt)
    note: str = ""

    @property
    def status(self) -> str:
        """The task's status once known, else our own phase."""
        if self.phase == "gone" or self.task is None:
            return self.phase
        return str(self.task.status)  # a word outside the documented list is kept verbatim

    @property
    def active(self) -> bool:
        """Still worth polling: submitted and not finished, or finished but not downloaded.

        (Asked of every run of a session on each rerun: identity checks against the
        terminal statuses, not a hash of the enum member per run.)"""
        phase = self.phase
        if phase in _UNTRACKED or (phase == "unknown" and self.lookups_paused):
            return False
        task = self.task
        if task is None:
            return True
        status = task.status  # a documented word is always a TaskStatus member
        if status is TaskStatus.SUCCEEDED:
            return self.video_file is None and self.video_error is None  # needs_download
        return status is not TaskStatus.FAILED and status is not TaskStatus.CANCELLED

    @property
    def needs_download(self) -> bool:
        return self.video_file is None and self.video_error is None

    @property
    def task_id(self) -> str | None:
        return self.task.id if self.task else None

    @property
    def cost(self) -> Decimal | None:
        """What the API reports as charged, when it does."""
        return self.task.cost if self.task else None

    @property
    def model(self) -> str:
        if self.request is not None:
            return self.request.model
        return self.task.model if self.task else "unknown"

    @property
    def prompt(self) -> str:
        """What the run asked for: its prompt, or (manual multi-shot with no main prompt)
        its shots' prompts in order ("2 shots: a lantern flickers · waves hit the rocks")."""
        if self.request is None:
            return ""
        shots = [s.prompt for s in getattr(self.request.input, "multi_prompt", [])]
        if self.request.input.prompt or not shots:
            return self.request.input.prompt
        return f"{len(shots)} shot{'s' * (len(shots) > 1)}: " + " · ".join(shots)
