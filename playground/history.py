"""Tasks known to the API (GET /tasks) and recovering one into the gallery."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from modelhunter.responses import Task, TaskPage
from playground.jobs import Jobs
from playground.runs import Run

__all__ = ["ALL", "HistoryFilters", "HistoryPager", "fetch_page", "own_tasks", "recover"]

ALL = "All"  # the filter choice that filters nothing


class HistoryFilters(BaseModel):
    """What the History page asks the task list for."""

    model_config = ConfigDict(frozen=True)

    status: str | None = None
    model_id: str | None = None
    start: date | None = None
    end: date | None = None
    search: str | None = None
    limit: int = 20

    @classmethod
    def from_inputs(
        cls, status: str, model: str, dates: object, search: str | None
    ) -> HistoryFilters:
        """From the page's widgets: `ALL` means no filter; a date range may be half-picked."""
        picked = [*dates] if isinstance(dates, tuple | list) else [dates] if dates else []
        start, end = [*picked, None, None][:2]
        return cls(
            status=None if status == ALL else status,
            model_id=None if model == ALL else model,
            start=start,
            end=end,
            search=(search or "").strip() or None,
        )


@dataclass
class HistoryPager:
    """Where the user is in the task list: the cursors of the pages seen, newest first.

    The chain restarts whenever the filters change.
    """

    filters: HistoryFilters | None = None
    cursors: list[str | None] = field(default_factory=lambda: [None])

    def cursor_for(self, filters: HistoryFilters) -> str | None:
        """The cursor of the page to show for `filters`."""
        if filters != self.filters:
            self.filters, self.cursors = filters, [None]
        return self.cursors[-1]

    @property
    def page_number(self) -> int:
        return len(self.cursors)

    def older(self, cursor: str | None) -> None:
        if cursor:
            self.cursors.append(cursor)

    def newer(self) -> None:
        if len(self.cursors) > 1:
            self.cursors.pop()


def fetch_page(jobs: Jobs, filters: HistoryFilters, cursor: str | None = None) -> TaskPage:
    """One page of the task list, newest first (Kling tasks only)."""
    start = datetime.combine(filters.start, time.min) if filters.start else None
    end = datetime.combine(filters.end + timedelta(days=1), time.min) if filters.end else None
    return jobs.client.list_tasks(
        status=filters.status,
        provider="kling",
        model_id=filters.model_id,
        start_date=start,
        end_date=end,
        search=(filters.search or "").strip() or None,
        limit=filters.limit,
        cursor=cursor,
    )


def own_tasks(page: TaskPage, mine: set[str], team: set[str], *, admin: bool) -> TaskPage:
    """With sign-in: the tasks of the page that are this person's (an admin also sees the
    tasks the team's key made outside this app); the page's total no longer applies."""
    kept = [t for t in page.data if t.id in mine or (admin and t.id not in team)]
    pagination = page.pagination.model_copy(update={"total": None})
    return page.model_copy(update={"data": kept, "pagination": pagination})


def recover(jobs: Jobs, task: Task) -> Run:
    """Bring a task into the gallery: a run of ours if we know it, else a recovered one.

    A finished task is re-fetched (that re-signs an expired result URL) and its video
    downloaded into the store right away; earlier errors (a "not sent", a video given up
    on) no longer apply and are cleared.
    """
    known = jobs.store.run_for_task(task.id)
    if known is None and task.client_ref:
        known = jobs.store.get(task.client_ref)
    fresh = jobs.client.get_task(task.id)
    run = known or Run(
        run_id=task.client_ref or f"recovered_{task.id}",
        created_at=task.created_at,
        request=None,
        price=fresh.cost if fresh.cost is not None else Decimal(0),
        phase="tracking",
    )
    run.task, run.phase = fresh, "tracking"
    run.error = run.error_code = run.advice = None  # a stale "not sent" no longer applies
    run.video_error, run.download_attempts = None, 0  # Recover is a fresh start for the video
    if jobs.store.video_path(run) is None:
        run.video_file = None  # recorded, but the file is gone: fetch it again
    jobs.store.save(run)
    if run.needs_download and fresh.video is not None:
        jobs.download(run)
    return run
