"""Persistence of runs and their files: SQLite + a folder per scope (demo or key hash).

Money lives in the same database, in the ledger (`playground/ledger.py`): `reserve()` checks
the budget and saves the run in one step, under a lock shared by every `Store` of the same
folder in this process and inside an SQLite `BEGIN IMMEDIATE` transaction, so neither two
sessions nor two processes can both pass the check with the last dollar; every save of a run
brings its ledger entry up to date.

Failures of the folder or the database on this machine are raised as `StoreUnavailable`
(`store_health`); a damaged database found on opening is moved aside and rebuilt instead.
Folders are 0700 and files 0600 (`disk`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from playground import batch_book, ledger, prompt_book, saved_drafts
from playground.budget import Budget
from playground.disk import Disk
from playground.runs import Run
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

_TABLE = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    task_id TEXT,
    body TEXT NOT NULL
)
"""
_INDEX = "CREATE INDEX IF NOT EXISTS runs_created ON runs(created_at)"
# Finding our run of a task (History's Recover, reconciling) without reading every run.
_TASK_INDEX = "CREATE INDEX IF NOT EXISTS runs_task ON runs(task_id)"
_UPSERT = """
INSERT INTO runs(run_id, created_at, task_id, body) VALUES (?,?,?,?)
ON CONFLICT(run_id) DO UPDATE SET
    created_at=excluded.created_at, task_id=excluded.task_id, body=excluded.body
"""
# A `.part` file untouched this long was left by a crash mid-write (a live one is not).
STALE_TEMP_S = 3600.0
# 1: UTC `created_at` stamps; 2: the money ledger (entries for the runs saved before it).
_SCHEMA_VERSION = 2
BUSY_TIMEOUT_S = 30.0
_SHA256 = re.compile(r"[0-9a-f]{64}")

# One connection and one lock per database file for the whole process: Streamlit sessions
# each build their own Store over the same folder, the budget check must see every one of
# them, and a connection kept open spares a WAL checkpoint on every call.
_registry_lock = threading.Lock()
_shared: dict[Path, tuple[threading.RLock, sqlite3.Connection]] = {}
# Damaged databases moved aside in this process: the rows that still read and where the
# file went, until a Store rebuilds from them; then what was done, for every later Store.
_pending: dict[Path, tuple[list[str], Path]] = {}
_recovered: dict[Path, Recovery] = {}


def _shared_connection(db: Path, disk: Disk) -> tuple[threading.RLock, sqlite3.Connection]:
    with _registry_lock:
        if db in _shared and not db.exists():  # the folder was deleted: start afresh
            _shared.pop(db)[1].close()
        if db not in _shared:
            if not _healthy(db):
                rows = salvage(db)
                moved = move_aside(db, datetime.now(UTC))
                _pending[db] = (rows, moved)
                _recovered.pop(db, None)
                logger.warning("Damaged run database moved aside to %s", moved.name)
            disk.make_file(db)  # 0600 before SQLite creates it: -wal and -shm copy its mode
            # Autocommit mode: transactions are explicit (`Store._transaction`), so BEGIN
            # IMMEDIATE really takes the write lock before a budget is read. Used only under
            # its lock, so any thread may use it.
            conn = sqlite3.connect(
                db, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across app crashes
            except BaseException:
                conn.close()
                raise
            _shared[db] = (threading.RLock(), conn)
        return _shared[db]


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


def _forget(db: Path) -> None:
    """Close this process's connection to `db` (the next Store opens and checks it anew)."""
    with _registry_lock:
        if db in _shared:
            _shared.pop(db)[1].close()


def _stamp(moment: datetime) -> str:
    """A sortable UTC timestamp (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Store:
    """Runs of one scope, saved as JSON rows; videos and input images as files.

    Safe to share between Streamlit sessions, threads and processes: every Store of one
    folder uses the same connection under the same lock in this process, writes are SQLite
    transactions that serialise with other processes, files are written atomically (temp
    file + rename) so a crash never leaves half a video.
    """

    def __init__(self, root: Path, scope: str, *, disk: Disk | None = None) -> None:
        """Open (creating, tightening or rebuilding as needed) the store of one scope.

        Raises:
            StoreUnavailable: the folder or database can't be used (full, read-only, not
                allowed, a file in the way); `recovery` is set when a damaged one was rebuilt.
        """
        self.disk = disk or Disk()
        self.dir = Path(root) / scope
        self.videos = self.dir / "videos"
        self.images = self.dir / "images"
        self.recovery: Recovery | None = None
        self._db = (self.dir / "runs.sqlite3").absolute()
        with translated(self.dir):
            if not Path(root).exists():
                self.disk.make_dir(Path(root))
            for folder in (self.dir, self.videos, self.images):
                self.disk.make_dir(folder)
            self._db = self._db.resolve()
            self._lock, self._conn = _shared_connection(self._db, self.disk)
            for suffix in ("", "-wal", "-shm"):  # files of older versions were 0644
                self.disk.tighten(self._db.with_name(self._db.name + suffix))
            for folder in (self.videos, self.images):
                self.disk.tighten_files(folder)
                self.disk.remove_stale_temps(folder, STALE_TEMP_S, time.time())
        self.ledger = ledger.Ledger(self._connect, self._transaction)
        self.batches = batch_book.BatchBook(self._connect, self._transaction)
        self.prompts = prompt_book.PromptBook(self._connect, self._transaction)
        self.drafts = saved_drafts.SavedDrafts(self._connect, self._transaction)
        with self._transaction() as db:
            db.execute(_TABLE)
            db.execute(_INDEX)
            db.execute(_TASK_INDEX)
            ledger.create_tables(db)
            batch_book.create_tables(db)
            prompt_book.create_tables(db)
            saved_drafts.create_tables(db)
            self._migrate(db)
            self._rebuild(db)

    def _rebuild(self, db: sqlite3.Connection) -> None:
        """After a damaged database was moved aside: its readable rows, then every video."""
        with _registry_lock:  # inside the transaction: one Store rebuilds, later ones see it
            pending = _pending.pop(self._db, None)
            self.recovery = _recovered.get(self._db)
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
            _recovered[self._db] = self.recovery

    def close(self) -> None:
        """Close this process's connection to the database (as a restart would)."""
        _forget(self._db)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                with translated(self.dir):
                    yield self._conn
            except StoreUnavailable as problem:
                if problem.kind == "corrupt":
                    _forget(self._db)  # reopening checks the file and rebuilds it
                raise

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Bring an older database up to date: UTC stamps, ledger entries for its runs."""
        if db.execute("PRAGMA user_version").fetchone()[0] >= _SCHEMA_VERSION:
            return
        for run_id, body in db.execute("SELECT run_id, body FROM runs").fetchall():
            run = self._parse(body)
            if run is not None:
                db.execute(
                    "UPDATE runs SET created_at=? WHERE run_id=?", (_stamp(run.created_at), run_id)
                )
                ledger.settle(db, run)
        db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    @staticmethod
    def _parse(body: str) -> Run | None:
        try:
            return Run.model_validate_json(body)
        except ValidationError as exc:
            # Keep the row (nothing is deleted), but one unreadable run must not hide the rest.
            logger.warning("Skipping a stored run that no longer reads: %s", exc.errors()[:1])
            return None

    @staticmethod
    def _write(db: sqlite3.Connection, run: Run) -> None:
        row = (
            run.run_id,
            _stamp(run.created_at),
            run.task.id if run.task else None,
            run.model_dump_json(),
        )
        db.execute(_UPSERT, row)
        ledger.settle(db, run)  # the run's ledger entry follows it (cost reported, released…)

    def save(self, run: Run) -> None:
        """Insert or update a run."""
        with self._transaction() as db:
            self._write(db, run)

    def reserve(self, run: Run, budget: Budget) -> None:
        """Save a new run only if its price fits the budget's windows (see `ledger`).

        Raises:
            BudgetExceededError: the price does not fit today's (or this month's) budget;
                nothing is saved.
        """
        with self._transaction() as db:
            ledger.reserve(db, run, budget)
            self._write(db, run)

    def remove(self, run: Run) -> None:
        """Delete a run's row, video and poster frame (its ledger entry stays: money spent)."""
        with self._transaction() as db:
            db.execute("DELETE FROM runs WHERE run_id=?", (run.run_id,))
        video = self.videos / f"{Path(run.video_file or run.run_id + '.mp4').name}"
        with translated(self.dir):
            for path in (video, video.with_suffix(".jpg")):
                path.unlink(missing_ok=True)

    def get(self, run_id: str) -> Run | None:
        with self._connect() as db:
            row = db.execute("SELECT body FROM runs WHERE run_id=?", (run_id,)).fetchone()
        return self._parse(row[0]) if row else None

    def runs(self, limit: int | None = None) -> list[Run]:
        """Runs newest first (ties in the order they were first saved, newest first)."""
        sql = "SELECT body FROM runs ORDER BY created_at DESC, rowid DESC"
        params: tuple[int, ...] = ()
        if limit:
            sql += " LIMIT ?"
            params = (int(limit),)
        with self._connect() as db:
            rows = db.execute(sql, params).fetchall()
        return [run for row in rows if (run := self._parse(row[0])) is not None]

    def deleted_runs(self) -> list[Run]:
        """Runs marked deleted (kept for Undo), newest first; the rest are not even parsed."""
        sql = (
            "SELECT body FROM runs WHERE json_extract(body, '$.deleted_at') IS NOT NULL "
            "ORDER BY created_at DESC, rowid DESC"
        )
        with self._connect() as db:
            rows = db.execute(sql).fetchall()
        return [run for row in rows if (run := self._parse(row[0])) is not None]

    def run_for_task(self, task_id: str) -> Run | None:
        """Our run of this task (the newest, should two claim it), if any."""
        sql = "SELECT body FROM runs WHERE task_id=? ORDER BY created_at DESC, rowid DESC LIMIT 1"
        with self._connect() as db:
            row = db.execute(sql, (task_id,)).fetchone()
        return self._parse(row[0]) if row else None

    def task_ids(self) -> set[str]:
        with self._connect() as db:
            rows = db.execute("SELECT task_id FROM runs WHERE task_id IS NOT NULL").fetchall()
        return {r[0] for r in rows}

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
