"""Tasks of the fake: timing, the lifecycle computed from the clock, and the JSON shape.

A task stores only what happened at submit (and a cancel); its status at any moment is
computed from the clock: pending → queued → running (progress rising linearly) → succeeded,
or failed halfway through running when a failure was scripted, or cancelled when cancelled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fake_modelhunter.replies import iso
from fake_modelhunter.urls import SIGNED_URL_TTL_S
from fake_modelhunter.video_request import VideoRequest

__all__ = [
    "FAIL_TOKEN",
    "Phase",
    "TaskRecord",
    "Timing",
    "scripted_failure",
]

# A prompt (or shot prompt) containing this token makes the task fail like a moderation refusal.
FAIL_TOKEN = "[fail]"
MODERATION_MESSAGE = "Content moderation: prompt contains restricted content"


@dataclass(frozen=True)
class Timing:
    """How long a task spends in each state, in fake-clock seconds.

    `running_s=None` derives the running time from the video: `running_per_video_second ×
    duration` (30 s for a 5 s video by default). `estimated_seconds` is the total.
    """

    pending_s: float = 2.0
    queued_s: float = 5.0
    running_s: float | None = None
    running_per_video_second: float = 6.0

    def running_for(self, duration: int) -> float:
        if self.running_s is not None:
            return self.running_s
        return self.running_per_video_second * duration

    def total(self, duration: int) -> float:
        return self.pending_s + self.queued_s + self.running_for(duration)

    @classmethod
    def demo(cls) -> Timing:
        """About 5 s from submit to result in real time, with visible progress."""
        return cls(pending_s=0.5, queued_s=1.0, running_s=3.5)

    @classmethod
    def instant(cls) -> Timing:
        """Succeeded as soon as submitted (benchmarks)."""
        return cls(pending_s=0.0, queued_s=0.0, running_s=0.0)


@dataclass(frozen=True)
class Phase:
    """A task's state at one moment."""

    status: str
    progress: int
    started_at: datetime | None
    completed_at: datetime | None


@dataclass
class TaskRecord:
    """A submitted task; mutated only by cancel, refunds and re-signing its result URL."""

    id: str
    owner: str
    request: VideoRequest
    created_at: datetime
    timing: Timing
    cost: Decimal
    charged: Decimal
    failure: tuple[str, str] | None = None
    cancelled: Phase | None = None
    refunded: bool = False
    url_signed_at: datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def model(self) -> str:
        return self.request.model

    @property
    def duration(self) -> int:
        return self.request.duration

    def _at(self, seconds: float) -> datetime:
        return self.created_at + timedelta(seconds=seconds)

    def phase(self, now: datetime) -> Phase:
        """Status, progress and timestamps at `now`."""
        if self.cancelled is not None:
            return self.cancelled
        # Never negative: `created_at` may sit a millisecond after the clock (see
        # `State.creation_time`), which must not hold back an instant task.
        t = max(0.0, (now - self.created_at).total_seconds())
        run_start = self.timing.pending_s + self.timing.queued_s
        running = self.timing.running_for(self.duration)
        if self.failure is not None and t >= run_start + running / 2:
            return Phase("failed", 0, self._at(run_start), self._at(run_start + running / 2))
        if t < self.timing.pending_s:
            return Phase("pending", 0, None, None)
        if t < run_start:
            return Phase("queued", 0, None, None)
        if t < run_start + running:
            progress = min(99, math.floor((t - run_start) / running * 100))
            return Phase("running", progress, self._at(run_start), None)
        return Phase("succeeded", 100, self._at(run_start), self._at(run_start + running))

    def cancel(self, now: datetime) -> Phase:
        """Freeze the task as cancelled at `now` (caller checked it is not finished)."""
        current = self.phase(now)
        self.cancelled = Phase("cancelled", current.progress, current.started_at, now)
        return self.cancelled

    def url_expires_at(self, phase: Phase) -> datetime | None:
        """When the current result URL stops working (succeeded tasks only)."""
        signed = self.url_signed_at or phase.completed_at
        if phase.status != "succeeded" or signed is None:
            return None
        return signed + timedelta(seconds=SIGNED_URL_TTL_S)

    def to_json(
        self, phase: Phase, *, result: dict[str, Any] | None, expired: bool = False
    ) -> dict[str, Any]:
        """The contract's task object (GET /tasks/{id}, list items)."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": "video",
            "status": "expired" if expired else phase.status,
            "provider": "kling",
            "model": self.model,
            "progress": phase.progress,
        }
        if phase.status == "succeeded":
            data["cost"] = self.cost
            if result is not None and not expired:
                data["result"] = [result]
        if phase.status == "failed" and self.failure is not None:
            data["error"] = {"code": self.failure[0], "message": self.failure[1]}
        data["created_at"] = iso(self.created_at)
        if phase.started_at is not None:
            data["started_at"] = iso(phase.started_at)
        if phase.completed_at is not None:
            data["completed_at"] = iso(phase.completed_at)
        data["metadata"] = dict(self.metadata)
        return data


def scripted_failure(request: VideoRequest) -> tuple[str, str] | None:
    """The failure a prompt asks for with `FAIL_TOKEN`, if any."""
    if any(FAIL_TOKEN in text.lower() for text in request.prompts):
        return ("PROVIDER_ERROR", MODERATION_MESSAGE)
    return None
