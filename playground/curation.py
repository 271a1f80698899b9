"""Curating runs: star, hide, delete (undoable for a while), rename, note; the Gallery's filters.

Curation is saved with the run (fields of `Run`). A deleted run stays in the store, soft
deleted, for `UNDO_WINDOW`: it leaves the gallery at once and can be brought back; once the
window has passed, `Curator.purge` removes its row, its video and poster frame, and input
images no other run uses. Its ledger entry stays: money spent is not undone by deleting.
A run still in progress cannot be deleted (cancel it first): it is being tracked and paid for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from playground.batch_book import Batch
from playground.runs import Run
from playground.store import Store

__all__ = [
    "MAX_NOTE",
    "MAX_TITLE",
    "STATUS_GROUPS",
    "UNDO_WINDOW",
    "CurationRefused",
    "Curator",
    "GalleryFilter",
    "StatusGroup",
    "batch_names",
    "batch_of",
    "display_title",
    "status_group",
    "still_undoable",
]

UNDO_WINDOW = timedelta(minutes=10)
MAX_TITLE = 120
MAX_NOTE = 2000

StatusGroup = Literal["done", "in progress", "failed", "cancelled"]
STATUS_GROUPS: tuple[StatusGroup, ...] = ("done", "in progress", "failed", "cancelled")


class CurationRefused(Exception):
    """A change that can't be made (e.g. deleting a run in progress); the text says why."""


def status_group(run: Run) -> StatusGroup:
    """The Gallery's status filter: done, in progress, failed or cancelled."""
    if run.active:
        return "in progress"
    if run.status == "cancelled":
        return "cancelled"
    if run.video_file or run.status == "succeeded":
        return "done"
    return "failed"


def display_title(run: Run) -> str:
    """The user's title, else the prompt, else what is known about the task."""
    if run.title:
        return run.title
    if run.request is not None:
        return run.prompt or "(no prompt)"
    return f"Task {run.task_id}" if run.task_id else f"Video {run.run_id} (found on disk)"


def batch_of(run: Run) -> str | None:
    """The variation batch a run belongs to (`playground/batches.py`), if any."""
    return run.batch_id or None


def batch_names(batches: Iterable[Batch]) -> dict[str, str]:
    """What each batch is called in filters and the cost view (its label and when it was sent)."""
    return {b.batch_id: f"{b.label} · {b.created_at.astimezone():%d %b %H:%M}" for b in batches}


def _clean(text: str, limit: int) -> str:
    """One line or paragraph of user text: control characters dropped, trimmed, bounded."""
    kept = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    return kept.strip()[:limit]


class GalleryFilter(BaseModel):
    """What the Gallery shows; deleted runs never, hidden ones only on request."""

    model_config = ConfigDict(frozen=True)

    starred: bool = False
    show_hidden: bool = False
    batch: str | None = None
    models: frozenset[str] = frozenset()
    statuses: frozenset[StatusGroup] = frozenset()
    since: date | None = None
    until: date | None = None
    text: str = ""

    def matches(self, run: Run) -> bool:
        if run.deleted_at is not None or (run.hidden and not self.show_hidden):
            return False
        if self.starred and not run.starred:
            return False
        if self.batch is not None and batch_of(run) != self.batch:
            return False
        if self.models and run.model not in self.models:
            return False
        if self.statuses and status_group(run) not in self.statuses:
            return False
        if self.since or self.until:  # the local day only when a date is chosen
            day = run.created_at.astimezone().date()
            if (self.since and day < self.since) or (self.until and day > self.until):
                return False
        needle = self.text.strip().casefold() if self.text else ""
        if needle:
            haystack = " ".join(
                [display_title(run), run.prompt, run.note, run.run_id, run.task_id or ""]
            )
            return needle in haystack.casefold()
        return True

    def apply(self, runs: Iterable[Run]) -> list[Run]:
        return [run for run in runs if self.matches(run)]


def still_undoable(just: dict[str, str], runs: dict[str, Run]) -> dict[str, str]:
    """The runs just deleted or hidden (by id) that still are: their tiles offer Undo."""
    kept = {}
    for run_id, what in just.items():
        run = runs.get(run_id)
        if run is not None and (run.deleted_at if what == "deleted" else run.hidden):
            kept[run_id] = what
    return kept


class Curator:
    """Applies curation to a session's runs (by id) and saves every change in the store."""

    def __init__(self, store: Store, runs: dict[str, Run], now: Callable[[], datetime]) -> None:
        self.store = store
        self.runs = runs
        self.now = now

    def _change(self, run_id: str, **fields: object) -> Run:
        run = self.runs.get(run_id) or self.store.get(run_id)
        if run is None:
            raise CurationRefused("This run no longer exists.")
        changed = run.model_copy(update=fields)
        self.store.save(changed)
        self.runs[run_id] = changed
        return changed

    def star(self, run_id: str, on: bool = True) -> Run:
        return self._change(run_id, starred=on)

    def hide(self, run_id: str, on: bool = True) -> Run:
        return self._change(run_id, hidden=on)

    def rename(self, run_id: str, title: str) -> Run:
        """A new title (an empty one brings the prompt back as the title)."""
        return self._change(run_id, title=_clean(title.replace("\n", " "), MAX_TITLE) or None)

    def set_note(self, run_id: str, note: str) -> Run:
        return self._change(run_id, note=_clean(note, MAX_NOTE))

    def delete(self, run_id: str) -> Run:
        """Soft delete: gone from the gallery now, removed for good after `UNDO_WINDOW`.

        Raises:
            CurationRefused: the run is still in progress.
        """
        run = self.runs.get(run_id) or self.store.get(run_id)
        if run is not None and run.active:
            raise CurationRefused("This run is still in progress: cancel it first.")
        return self._change(run_id, deleted_at=self.now())

    def undo(self, run_id: str) -> Run:
        return self._change(run_id, deleted_at=None)

    def undoable(self) -> list[Run]:
        """Deleted runs whose undo window is still open, most recently deleted first."""
        now = self.now()
        recent = [
            r
            for r in self.runs.values()
            if r.deleted_at is not None and now - r.deleted_at < UNDO_WINDOW
        ]
        return sorted(recent, key=lambda r: r.deleted_at or now, reverse=True)

    def purge(self) -> list[str]:
        """Remove for good every run deleted longer than `UNDO_WINDOW` ago; their ids."""
        now = self.now()
        deleted = self.store.deleted_runs()  # read on every Gallery rerun: not every run
        expired = [r for r in deleted if r.deleted_at and now - r.deleted_at >= UNDO_WINDOW]
        for run in expired:
            self.store.remove(run)
            self.runs.pop(run.run_id, None)
        if expired:
            self._drop_unused_images(expired, self.store.runs())
        return [r.run_id for r in expired]

    def _drop_unused_images(self, removed: list[Run], kept: list[Run]) -> None:
        in_use = {i.sha256 for r in kept for i in r.images.values() if i.sha256}
        for run in removed:
            for image in run.images.values():
                if image.sha256 and image.sha256 not in in_use:
                    path = self.store.image_path(image.sha256)
                    if path is not None:
                        path.unlink(missing_ok=True)
