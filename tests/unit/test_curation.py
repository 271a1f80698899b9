"""Curation: star, hide, rename, note, delete with undo; files go only after the undo window."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from playground.curation import (
    UNDO_WINDOW,
    CurationRefused,
    Curator,
    GalleryFilter,
    display_title,
)
from playground.runs import Run
from playground.store import Store
from tests.unit.curated_runs import T0, finished_run


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path, open_store) -> Store:
    return open_store(tmp_path, "demo")


def _curator(store: Store, clock: Clock) -> Curator:
    return Curator(store, {r.run_id: r for r in store.runs()}, clock)


def test_star_hide_rename_and_note_are_saved_with_the_run(store, open_store) -> None:
    finished_run(store, "run_a", "gulls over the harbour")
    cur = _curator(store, Clock())
    cur.star("run_a")
    cur.hide("run_a")
    cur.rename("run_a", "  Harbour\nat dawn \x07 ")
    cur.set_note("run_a", "client liked this one")
    again = open_store(store.dir.parent, "demo").get("run_a")  # as after a restart
    assert again is not None
    assert (again.starred, again.hidden) == (True, True)
    assert again.title == "Harbour at dawn"
    assert again.note == "client liked this one"
    assert display_title(again) == "Harbour at dawn"
    cur.rename("run_a", "   ")
    assert display_title(store.get("run_a")) == "gulls over the harbour", "empty: prompt again"


def test_a_deleted_run_can_be_undone_until_the_window_passes_then_its_files_go(store) -> None:
    kept = finished_run(store, "run_keep", "fog", minutes=1)
    gone = finished_run(store, "run_gone", "gulls", image=b"\x89PNG only-mine")
    video = store.video_path(gone)
    poster = video.with_suffix(".jpg")
    poster.write_bytes(b"jpeg")
    only_mine = store.image_path(gone.images["image"].sha256)
    shared = store.image_path(kept.images["image"].sha256)
    clock = Clock()
    cur = _curator(store, clock)

    cur.delete("run_gone")
    assert [r.run_id for r in cur.undoable()] == ["run_gone"]
    assert [r.run_id for r in GalleryFilter().apply(cur.runs.values())] == ["run_keep"]
    clock.now += UNDO_WINDOW - timedelta(seconds=1)
    assert cur.purge() == [] and video.exists(), "still undoable: nothing removed"
    cur.undo("run_gone")
    assert store.get("run_gone").deleted_at is None

    cur.delete("run_gone")
    clock.now += UNDO_WINDOW
    assert cur.undoable() == []
    assert cur.purge() == ["run_gone"]
    assert store.get("run_gone") is None and "run_gone" not in cur.runs
    assert not video.exists() and not poster.exists() and not only_mine.exists()
    assert shared.exists() and store.video_path(kept) is not None, "the other run keeps its files"
    assert [e[0] for e in store.ledger.entries()] == ["run_gone", "run_keep"], "money stays"


def test_a_run_in_progress_cannot_be_deleted(store) -> None:
    run = finished_run(store, "run_a", "gulls", video=None)
    store.save(run.model_copy(update={"task": run.task.model_copy(update={"status": "running"})}))
    cur = _curator(store, Clock())
    with pytest.raises(CurationRefused, match="cancel it first"):
        cur.delete("run_a")
    assert store.get("run_a").deleted_at is None


def _runs(store: Store) -> list[Run]:
    finished_run(store, "run_a", "Gulls over the harbour", minutes=0, starred=True)
    finished_run(store, "run_b", "fog rolling in", minutes=60 * 24, note="for the Berlin deck")
    finished_run(store, "run_c", "[fail] boats", minutes=60 * 48, video=None, hidden=True)
    b = store.get("run_b")
    store.save(b.model_copy(update={"batch_id": "batch_1"}))
    return store.runs()


def _ids(runs: list[Run], **filters: object) -> list[str]:
    return sorted(r.run_id for r in GalleryFilter(**filters).apply(runs))


def test_filters_each_narrow_the_gallery(store) -> None:
    runs = _runs(store)
    assert _ids(runs) == ["run_a", "run_b"], "hidden runs only on request"
    assert _ids(runs, show_hidden=True) == ["run_a", "run_b", "run_c"]
    assert _ids(runs, starred=True) == ["run_a"]
    assert _ids(runs, text="HARBOUR") == ["run_a"]
    assert _ids(runs, text="berlin") == ["run_b"], "notes are searched"
    assert _ids(runs, models=frozenset({"kling-v2-6"})) == []
    assert _ids(runs, show_hidden=True, statuses=frozenset({"done"})) == ["run_a", "run_b"]
    day_b = (T0 + timedelta(days=1)).astimezone().date()
    assert _ids(runs, since=day_b, until=day_b) == ["run_b"]
    assert _ids(runs, since=date(2030, 1, 1)) == []
    assert _ids(runs, batch="batch_1") == ["run_b"]
