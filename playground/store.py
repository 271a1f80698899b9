"""Persistence of runs and their files: a database (`playground.database`) + a folder per scope.

A scope is a workspace (Demo per browser, or a key's hash); with sign-in, each person of a
team workspace is an `owner` within it. Rows live in the scope's SQLite file by default, or
in one PostgreSQL database shared by app replicas (`MODELHUNTER_DATABASE_URL`); videos and
images always in the scope's folder (which replicas share).

Money lives in the same database, in the ledger (`playground/ledger.py`): `reserve()` checks
the budget and saves the run in one serialised write transaction (SQLite `BEGIN IMMEDIATE`
under a process-wide lock; PostgreSQL an advisory lock of the workspace), so neither two
sessions, two processes nor two replicas can both pass the check with the last dollar; every
save of a run brings its ledger entry up to date.

Failures of the folder or the database are raised as `StoreUnavailable` (`store_health`); a
damaged SQLite file found on opening is moved aside and rebuilt instead. Folders are 0700
and files 0600 (`disk`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy import Connection

from playground import batch_book, ledger, prompt_book, saved_drafts, team_book
from playground.budget import Budget
from playground.database import BUSY_TIMEOUT_S, Database, Place, sql, sqlite_url, stamp
from playground.disk import Disk
from playground.migrate import migrate
from playground.runs import Run
from playground.sqlite_import import import_sqlite
from playground.store_health import (
    Recovery,
    StoreUnavailable,
    classify,
    looks_like_sqlite,
    move_aside,
    runs_from_videos,
    salvage,
    translated,
)

__all__ = ["Store", "StoreUnavailable"]

logger = logging.getLogger(__name__)

_COLUMNS = "run_id, scope, owner, created_at, task_id, seq, active, deleted, body"
# `seq` orders runs saved in the same microsecond: the order they were first saved.
_UPSERT = f"""
INSERT INTO runs({_COLUMNS}) VALUES (:run_id, :scope, :owner, :created_at, :task_id,
    (SELECT COALESCE(MAX(seq), 0) + 1 FROM runs WHERE scope = :scope),
    :active, :deleted, :body)
ON CONFLICT(scope, run_id) DO UPDATE SET
    created_at=excluded.created_at, task_id=excluded.task_id, active=excluded.active,
    deleted=excluded.deleted, body=excluded.body
"""
_NEWEST = "ORDER BY created_at DESC, seq DESC"
# A `.part` file untouched this long was left by a crash mid-write (a live one is not).
STALE_TEMP_S = 3600.0
_SHA256 = re.compile(r"[0-9a-f]{64}")

# One Database per SQLite file (one connection, one lock) and per PostgreSQL URL for the
# whole process: Streamlit sessions each build their own Store over the same folder, the
# budget check must see every one of them, and a connection kept open spares a WAL
# checkpoint on every call.
_registry_lock = threading.Lock()
_shared: dict[str, Database] = {}
# Damaged databases moved aside in this process: the rows that still read and where the
# file went, until a Store rebuilds from them; then what was done, for every later Store.
_pending: dict[Path, tuple[list[str], Path]] = {}
_recovered: dict[Path, Recovery] = {}


def _sqlite_database(db: Path, disk: Disk) -> Database:
    with _registry_lock:
        name = str(db)
        if name in _shared and not db.exists():  # the folder was deleted: start afresh
            _shared.pop(name).close()
        if name not in _shared:
            if not _healthy(db):
                rows = salvage(db)
                moved = move_aside(db, datetime.now(UTC))
                _pending[db] = (rows, moved)
                _recovered.pop(db, None)
                logger.warning("Damaged run database moved aside to %s", moved.name)
            disk.make_file(db)  # 0600 before SQLite creates it: -wal and -shm copy its mode
            _shared[name] = Database(sqlite_url(db))
        return _shared[name]


def _server_database(url: str) -> Database:
    with _registry_lock:
        if url not in _shared:
            _shared[url] = Database(url)
        return _shared[url]


def _healthy(db: Path) -> bool:
    """False for a file that is not an SQLite database or fails `PRAGMA quick_check`.

    Raises:
        sqlite3.Error: the file could not be checked for another reason (disk, permission).
    """
    if not db.exists():
        return True
    if not looks_like_sqlite(db):
        return False
    conn = sqlite3.connect(db, timeout=BUSY_TIMEOUT_S)
    try:
        return conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    except sqlite3.DatabaseError as exc:
        if classify(exc) == "corrupt":
            return False
        raise
    finally:
        conn.close()


def _forget(name: str) -> None:
    """Close this process's connections to a database (the next Store opens it anew)."""
    with _registry_lock:
        if name in _shared:
            _shared.pop(name).close()


class Store:
    """Runs of one workspace (scope) and person (owner), saved as JSON rows; videos and input
    images as files in the workspace's folder.

    Safe to share between Streamlit sessions, threads, processes and (with PostgreSQL)
    replicas: writes are serialised transactions (`Database.transaction`), files are written
    atomically (temp file + rename) so a crash never leaves half a video. A run is found by
    its id anywhere in the workspace (a teammate's shared link opens it); the gallery, the
    ledger's person, batches, presets, prompts and drafts are the owner's.
    """

    def __init__(
        self,
        root: Path,
        scope: str,
        *,
        disk: Disk | None = None,
        owner: str = "",
        database_url: str | None = None,
    ) -> None:
        """Open (creating, migrating, tightening or rebuilding as needed) a workspace's store.

        Raises:
            StoreUnavailable: the folder or database can't be used (full, read-only, not
                allowed, a file in the way, a database server out of reach); `recovery` is
                set when a damaged one was rebuilt.
        """
        self.disk = disk or Disk()
        self.scope = scope
        self.owner = owner
        self.dir = Path(root) / scope
        self.videos = self.dir / "videos"
        self.images = self.dir / "images"
        self.recovery: Recovery | None = None
        self._file = (self.dir / "runs.sqlite3").absolute()
        with translated(self.dir):
            if not Path(root).exists():
                self.disk.make_dir(Path(root))
            for folder in (self.dir, self.videos, self.images):
                self.disk.make_dir(folder)
            if database_url:
                self.db = _server_database(database_url)
            else:
                self._file = self._file.resolve()
                self.db = _sqlite_database(self._file, self.disk)
                for suffix in ("", "-wal", "-shm"):  # files of older versions were 0644
                    self.disk.tighten(self._file.with_name(self._file.name + suffix))
            for folder in (self.videos, self.images):
                self.disk.tighten_files(folder)
                self.disk.remove_stale_temps(folder, STALE_TEMP_S, time.time())
        self.place = Place(self._connect, self._transaction, scope, owner)
        self.ledger = ledger.Ledger(self.place)
        self.batches = batch_book.BatchBook(self.place)
        self.prompts = prompt_book.PromptBook(self.place)
        self.drafts = saved_drafts.SavedDrafts(self.place)
        self.people = team_book.TeamBook(self.place)
        with translated(self.dir):
            migrate(self.db, scope)
            if self.db.shared:  # this workspace's single-machine file, if any, moves in
                import_sqlite(self._file, self.db, scope)
        if not self.db.shared:
            with self._transaction() as db:
                self._rebuild(db)

    def _rebuild(self, db: Connection) -> None:
        """After a damaged database was moved aside: its readable rows, then every video."""
        with _registry_lock:  # inside the transaction: one Store rebuilds, later ones see it
            pending = _pending.pop(self._file, None)
            self.recovery = _recovered.get(self._file)
        if pending is None:
            return
        rows, moved = pending
        salvaged = [run for body in rows if (run := self._parse(body)) is not None]
        for run in salvaged:
            self._write(db, run)
        made = runs_from_videos(self.videos, {r.run_id for r in salvaged})
        for run in made:
            self._write(db, run)
        self.recovery = Recovery(moved, len(salvaged), len(made))
        with _registry_lock:
            _recovered[self._file] = self.recovery

    def close(self) -> None:
        """Close this process's connections to the database (as a restart would)."""
        _forget(self.db.url if self.db.shared else str(self._file))

    @contextlib.contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            with translated(self.dir), self.db.connect() as db:
                yield db
        except StoreUnavailable as problem:
            if problem.kind == "corrupt" and not self.db.shared:
                self.close()  # reopening checks the file and rebuilds it
            raise

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        try:
            with translated(self.dir), self.db.transaction(self.scope) as db:
                yield db
        except StoreUnavailable as problem:
            if problem.kind == "corrupt" and not self.db.shared:
                self.close()
            raise

    @staticmethod
    def _parse(body: str) -> Run | None:
        try:
            return Run.model_validate_json(body)
        except ValidationError as exc:
            # Keep the row (nothing is deleted), but one unreadable run must not hide the rest.
            logger.warning("Skipping a stored run that no longer reads: %s", exc.errors()[:1])
            return None

    def _parsed(self, result: Iterable[Any]) -> list[Run]:
        return [run for (body,) in result if (run := self._parse(body)) is not None]

    def _write(self, db: Connection, run: Run) -> None:
        sql(
            db,
            _UPSERT,
            run_id=run.run_id,
            scope=self.scope,
            owner=self.owner,
            created_at=stamp(run.created_at),
            task_id=run.task.id if run.task else None,
            active=int(run.active),
            deleted=int(run.deleted_at is not None),
            body=run.model_dump_json(),
        )
        ledger.settle(db, self.place, run)  # the entry follows the run (cost, released…)

    def save(self, run: Run) -> None:
        """Insert or update a run (a new run becomes the owner's)."""
        with self._transaction() as db:
            self._write(db, run)

    def reserve(self, run: Run, budget: Budget) -> None:
        """Save a new run only if its price fits the budget's windows (see `ledger`).

        Raises:
            BudgetExceededError: the price does not fit today's (or this month's) budget,
                the person's or the team's; nothing is saved.
        """
        with self._transaction() as db:
            ledger.reserve(db, self.place, run, budget)
            self._write(db, run)

    def remove(self, run: Run) -> None:
        """Delete a run's row, video and poster frame (its ledger entry stays: money spent)."""
        with self._transaction() as db:
            sql(
                db,
                "DELETE FROM runs WHERE run_id=:id AND scope=:scope",
                id=run.run_id,
                scope=self.scope,
            )
        video = self.videos / f"{Path(run.video_file or run.run_id + '.mp4').name}"
        with translated(self.dir):
            for path in (video, video.with_suffix(".jpg")):
                path.unlink(missing_ok=True)

    def get(self, run_id: str) -> Run | None:
        """A run of this workspace by its id, whoever's it is (a shared link opens it)."""
        with self._connect() as db:
            row = sql(
                db,
                "SELECT body FROM runs WHERE run_id=:id AND scope=:scope",
                id=run_id,
                scope=self.scope,
            ).first()
        return self._parse(row[0]) if row else None

    def owner_of(self, run_id: str) -> str | None:
        """Whose run this is ("" without sign-in), or None when there is no such run."""
        with self._connect() as db:
            return sql(
                db,
                "SELECT owner FROM runs WHERE run_id=:id AND scope=:scope",
                id=run_id,
                scope=self.scope,
            ).scalar()

    def runs(self, limit: int | None = None, *, everyone: bool = False) -> list[Run]:
        """The owner's runs (the whole workspace's with `everyone`) newest first (ties in the
        order they were first saved, newest first)."""
        who = "" if everyone else "AND owner=:owner "
        statement = f"SELECT body FROM runs WHERE scope=:scope {who}{_NEWEST}"
        if limit:
            statement += f" LIMIT {int(limit)}"
        with self._connect() as db:
            return self._parsed(sql(db, statement, scope=self.scope, owner=self.owner))

    def deleted_runs(self) -> list[Run]:
        """The owner's runs marked deleted (kept for Undo), newest first; the rest are not
        even read."""
        statement = (
            f"SELECT body FROM runs WHERE scope=:scope AND owner=:owner AND deleted=1 {_NEWEST}"
        )
        with self._connect() as db:
            return self._parsed(sql(db, statement, scope=self.scope, owner=self.owner))

    def active_runs(self) -> list[Run]:
        """Every run of the workspace still in progress, whoever's (what the poller refreshes)."""
        statement = f"SELECT body FROM runs WHERE scope=:scope AND active=1 {_NEWEST}"
        with self._connect() as db:
            return self._parsed(sql(db, statement, scope=self.scope))

    def run_for_task(self, task_id: str) -> Run | None:
        """Our run of this task (the newest, should two claim it), if any."""
        statement = f"SELECT body FROM runs WHERE scope=:scope AND task_id=:task {_NEWEST} LIMIT 1"
        with self._connect() as db:
            row = sql(db, statement, scope=self.scope, task=task_id).first()
        return self._parse(row[0]) if row else None

    def task_ids(self, *, everyone: bool = False) -> set[str]:
        """Task ids of the owner's runs (of the whole workspace with `everyone`)."""
        statement = "SELECT task_id FROM runs WHERE scope=:scope AND task_id IS NOT NULL"
        if not everyone:
            statement += " AND owner=:owner"
        with self._connect() as db:
            return {r[0] for r in sql(db, statement, scope=self.scope, owner=self.owner)}

    def claim_polling(self, holder: str, now: datetime, hold_s: float) -> bool:
        """Whether `holder` (one app process) polls this workspace's runs for the next
        `hold_s` seconds: true when no other holder's lease is current, so across replicas
        each task is polled by one process at a time."""
        until = stamp(now + timedelta(seconds=hold_s))
        with self._transaction() as db:
            row = sql(
                db, "SELECT holder, until FROM poll_leases WHERE scope=:scope", scope=self.scope
            ).first()
            if row is not None and row[0] != holder and row[1] > stamp(now):
                return False
            sql(
                db,
                "INSERT INTO poll_leases(scope, holder, until) VALUES (:scope, :holder, :until) "
                "ON CONFLICT(scope) DO UPDATE SET holder=excluded.holder, until=excluded.until",
                scope=self.scope,
                holder=holder,
                until=until,
            )
        return True

    def video_path(self, run: Run) -> Path | None:
        """The stored video of a run, if it was downloaded and is still there."""
        if not run.video_file:
            return None
        path = self.videos / Path(run.video_file).name
        return path if path.is_file() else None

    @contextlib.contextmanager
    def writing_video(self, run_id: str) -> Iterator[BinaryIO]:
        """A file to stream a video into; it appears under its name only when complete."""
        name = f"{Path(run_id).name}.mp4"
        with translated(self.dir), self.disk.replacing(self.videos / name, durable=True) as out:
            yield out

    def put_image(self, data: bytes, suffix: str) -> str:
        """Keep an input image (content-addressed); returns its sha256."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.images / f"{digest}{suffix}"
        if not path.exists():
            with translated(self.dir), self.disk.replacing(path) as out:
                out.write(data)
        return digest

    def image_path(self, sha256: str) -> Path | None:
        """The stored input image with this sha256, if any."""
        if not _SHA256.fullmatch(sha256):
            return None
        matches = sorted(self.images.glob(f"{sha256}.*"))
        return next((m for m in matches if m.suffix != ".part"), None)
