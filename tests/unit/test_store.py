"""The store: per-key scope by hash, atomic files, faithful round-trips, newest first
(on SQLite and on PostgreSQL: `open_store`)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect

from modelhunter.requests import parse_request
from modelhunter.responses import Task, TaskStatus
from playground.budget import Budget
from playground.database import sql
from playground.runs import InputImage, Run
from playground.settings import scope_for
from playground.store import Store

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
KEY_A = "river_live_" + "A1b2C3d4" * 4
KEY_B = "river_test_" + "Zz9Yy8Xx" * 4


def _run(run_id: str, at: datetime = T0, **fields: object) -> Run:
    request = parse_request(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": run_id}}
    )
    return Run(run_id=run_id, created_at=at, request=request, price=Decimal("0.42"), **fields)


def _task(task_id: str = "task_1") -> Task:
    return Task(
        id=task_id,
        type="video",
        status=TaskStatus.RUNNING,
        provider="kling",
        model="kling-v3",
        progress=40,
        created_at=T0,
        metadata={"client_ref": "run_a"},
    )


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _all_rows(store: Store) -> str:
    """Every row of every table of the store's database, as text."""
    with store.db.connect() as db:
        tables = inspect(db).get_table_names()
        return "\n".join(str(tuple(row)) for t in tables for row in sql(db, f"SELECT * FROM {t}"))


def test_each_key_has_its_own_scope_named_by_a_hash(tmp_path, open_store) -> None:
    a, b, demo = (open_store(tmp_path, scope_for(k)) for k in (KEY_A, KEY_B, None))
    assert len({a.dir, b.dir, demo.dir}) == 3
    assert demo.dir.name == "demo"
    a.save(_run("run_a", task=_task()))
    b.save(_run("run_b"))
    assert [r.run_id for r in a.runs()] == ["run_a"]
    assert [r.run_id for r in b.runs()] == ["run_b"]
    assert demo.runs() == []
    a.close()
    assert open_store(tmp_path, scope_for(KEY_A)).get("run_a") is not None, "stable across restarts"
    assert b.get("run_a") is None and demo.get("run_a") is None


def test_the_key_appears_in_no_path_and_no_file(tmp_path, open_store) -> None:
    store = open_store(tmp_path, scope_for(KEY_A))
    store.save(_run("run_a", task=_task(), images={"image": InputImage(name="a.png", sha256="0")}))
    store.put_image(b"\x89PNG fake image", ".png")
    with store.writing_video("run_a") as handle:
        handle.write(b"\x00\x00\x00\x18ftypmp42 video")
    secret = KEY_A.removeprefix("river_live_")
    paths = [str(p) for p in tmp_path.rglob("*")]
    assert paths and not any(secret in p or KEY_A in p for p in paths)
    content = _all_bytes(tmp_path)
    assert content and secret.encode() not in content and KEY_A.encode() not in content
    rows = _all_rows(store)  # PostgreSQL: the rows are not in the folder
    assert "run_a" in rows and secret not in rows and KEY_A not in rows


def test_a_failed_video_write_leaves_no_file_and_keeps_the_old_one(tmp_path, open_store) -> None:
    store = open_store(tmp_path, "demo")
    with pytest.raises(OSError), store.writing_video("run_a") as handle:
        handle.write(b"half a vid")
        raise OSError("connection reset")
    assert list(store.videos.iterdir()) == []

    with store.writing_video("run_a") as handle:
        handle.write(b"the whole video")
    with pytest.raises(KeyboardInterrupt), store.writing_video("run_a") as handle:
        handle.write(b"a newer one, cut short")
        raise KeyboardInterrupt
    assert [p.name for p in store.videos.iterdir()] == ["run_a.mp4"]
    assert (store.videos / "run_a.mp4").read_bytes() == b"the whole video"


def test_a_run_round_trips_exactly(tmp_path, open_store) -> None:
    store = open_store(tmp_path, "demo")
    run = _run(
        "run_a",
        task=_task(),
        phase="tracking",
        estimated_seconds=37,
        images={"image": InputImage(name="a.png", sha256="ab" * 32, content_type="image/png")},
        error="x <b>not html</b>",
    )
    store.save(run)
    assert store.get("run_a") == run
    run.video_file = "run_a.mp4"
    run.download_attempts = 2
    store.save(run)
    assert open_store(tmp_path, "demo").get("run_a") == run
    assert store.task_ids() == {"task_1"}
    assert store.get("run_missing") is None


def test_runs_come_newest_first_ties_by_first_save(tmp_path, open_store) -> None:
    store = open_store(tmp_path, "demo")
    paris = timezone(timedelta(hours=1))
    store.save(_run("run_old", T0))
    store.save(_run("run_tie_1", T0 + timedelta(minutes=5)))
    store.save(_run("run_tie_2", T0 + timedelta(minutes=5)))
    store.save(_run("run_new", (T0 + timedelta(minutes=9)).astimezone(paris)))
    store.save(_run("run_mid", T0 + timedelta(minutes=2, microseconds=1)))
    store.save(_run("run_tie_1", T0 + timedelta(minutes=5), phase="tracking"))  # an update
    order = ["run_new", "run_tie_2", "run_tie_1", "run_mid", "run_old"]
    assert [r.run_id for r in store.runs()] == order
    assert [r.run_id for r in store.runs(limit=2)] == order[:2]


def test_video_and_image_paths(tmp_path, open_store) -> None:
    store = open_store(tmp_path, "demo")
    run = _run("run_a", video_file="run_a.mp4")
    assert store.video_path(run) is None, "recorded but missing on disk"
    with store.writing_video("run_a") as handle:
        handle.write(b"video")
    assert store.video_path(run) == store.videos / "run_a.mp4"
    assert store.video_path(_run("run_b")) is None

    digest = store.put_image(b"same bytes", ".png")
    assert store.put_image(b"same bytes", ".png") == digest
    assert store.image_path(digest).read_bytes() == b"same bytes"
    assert store.image_path("*") is None
    assert store.image_path("0" * 64) is None


def test_a_store_written_by_the_first_version_still_reads(tmp_path) -> None:
    # SQLite only: files of older versions (PostgreSQL databases start at revision 0002)
    folder = tmp_path / "demo"
    folder.mkdir()
    run = _run("run_a", T0.astimezone(timezone(timedelta(hours=2))), task=_task())
    with sqlite3.connect(folder / "runs.sqlite3") as db:
        db.execute(
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
            "task_id TEXT, body TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO runs VALUES (?,?,?,?)",
            ("run_a", run.created_at.isoformat(), "task_1", run.model_dump_json()),
        )
    db.close()
    store = Store(tmp_path, "demo")
    assert store.get("run_a") == run
    budget = Budget(daily=Decimal(5))
    assert store.ledger.standing(budget, T0).today == Decimal("0.42"), "its spend still counts"
    assert store.ledger.standing(budget, T0 + timedelta(days=1)).today == 0


def test_an_unreadable_row_hides_nothing_else(tmp_path, open_store) -> None:
    store = open_store(tmp_path, "demo")
    store.save(_run("run_good"))
    store.save(_run("run_bad"))
    with store.db.transaction(store.scope) as db:  # a row no version of Run reads
        sql(db, "UPDATE runs SET body=:body WHERE run_id='run_bad'", body='{"run_id": 1}')
    assert [r.run_id for r in store.runs()] == ["run_good"]
    assert store.get("run_bad") is None
