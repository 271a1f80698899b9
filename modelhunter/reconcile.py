"""Find the task an ambiguous submit may have created (contract §12, idempotency).

No idempotency key exists, so every submit carries `metadata.client_ref` (our id). After a
submit whose outcome is unknown we list the tasks created since (a little before) the submit
and match that reference. The documented list example omits `metadata` on one item, so list
items without any metadata, of the same model and inside the submit window, are fetched one
by one (`GET /tasks/{id}`) and matched there. A task that carries no metadata even then
cannot be proven ours: it is returned as a *candidate* for the user to confirm, never
adopted silently.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from .responses import Task
from .wire import aware

if TYPE_CHECKING:
    from .client import Client

__all__ = ["CLOCK_SKEW", "MAX_CANDIDATE_FETCHES", "SubmitLookup", "lookup_submit"]

# Our clock and the server's may differ: the submit window reaches this far either side.
CLOCK_SKEW = timedelta(minutes=5)
# Tasks without metadata fetched one by one per lookup, at most (newest first).
MAX_CANDIDATE_FETCHES = 10


class SubmitLookup(BaseModel):
    """What a lookup found: the task (proven by `client_ref`), or unproven candidates."""

    model_config = ConfigDict(frozen=True)

    task: Task | None = None
    candidates: list[Task] = Field(default_factory=list)


def lookup_submit(
    client: Client,
    client_ref: str,
    *,
    submitted_at: datetime | None,
    model: str | None = None,
    now: datetime | None = None,
) -> SubmitLookup:
    """Look for the task created by the submit that carried `client_ref`.

    `submitted_at` is our clock's time of the submit (None: look through every task); the
    window is widened by `CLOCK_SKEW` on both sides (ending at `now + CLOCK_SKEW` when given).

    Raises:
        ApiError: a lookup request failed (then nothing can be concluded).
    """
    since = aware(submitted_at) - CLOCK_SKEW if submitted_at is not None else None
    until = aware(now) + CLOCK_SKEW if now is not None else None
    unverified: list[Task] = []
    for task in client.iter_tasks(start_date=since):
        if task.client_ref == client_ref:
            return SubmitLookup(task=task)
        if since is not None and task.created_at < since:
            break
        same_model = model is None or not task.model or task.model == model
        in_window = until is None or task.created_at <= until  # `since` was checked above
        if task.metadata is None and same_model and in_window:
            unverified.append(task)
    candidates: list[Task] = []
    for listed in unverified[:MAX_CANDIDATE_FETCHES]:
        full = client.get_task(listed.id)
        if full.client_ref == client_ref:
            return SubmitLookup(task=full)
        if full.metadata is None:
            candidates.append(full)
    return SubmitLookup(candidates=candidates)
