"""Persistence of runs and their files: SQLite + a folder per scope (demo or key hash).

Money is reserved here: `reserve()` checks a budget and saves the run in one step, under a
lock shared by every `Store` of the same folder in this process and inside an SQLite
`BEGIN IMMEDIATE` transaction, so neither two sessions nor two processes can both pass the
check with the last dollar.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from playground.budget import Budget, BudgetExceededError, committed
from playground.runs import Run

__all__ = ["Store"]

logger = logging.getLogger(__name__)

_TABLE = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    task_id TEXT,
    body TEXT NOT NULL,
    committed TEXT
)
"""
_INDEX = "CREATE INDEX IF NOT EXISTS runs_created ON runs(created_at)"
_UPSERT = """
INSERT INTO runs(run_id, created_at, task_id, body, committed) VALUES (?,?,?,?,?)
ON CONFLICT(run_id) DO UPDATE SET
    created_at=excluded.created_at, task_id=excluded.task_id,
    body=excluded.body, committed=excluded.committed
"""
BUSY_TIMEOUT_S = 30.0
_SHA256 = re.compile(r"[0-9a-f]{64}")

# One connection and one lock per database file for the whole process: Streamlit sessions
# each build their own Store over the same folder, the budget check must see every one of
# them, and a connection kept open spares a WAL checkpoint on every call.
_registry_lock = threading.Lock()
_shared: dict[Path, tuple[threading.RLock, sqlite3.Connection]] = {}


def _shared_connection(db: Path) -> tuple[threading.RLock, sqlite3.Connection]:
    with _registry_lock:
        if db in _shared and not db.exists():  # the folder was deleted: start afresh
            _shared.pop(db)[1].close()
        if db not in _shared:
            # Autocommit mode: transactions are explicit (`Store._transaction`), so BEGIN
            # IMMEDIATE really takes the write lock before a budget is read. Used only under
            # its lock, so any thread may use it.
            conn = sqlite3.connect(
                db, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across app crashes
            _shared[db] = (threading.RLock(), conn)
        return _shared[db]


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

    def __init__(self, root: Path, scope: str) -> None:
        self.dir = Path(root) / scope
        self.videos = self.dir / "videos"
        self.images = self.dir / "images"
        for folder in (self.dir, self.videos, self.images):
            folder.mkdir(parents=True, exist_ok=True)
        self._db = (self.dir / "runs.sqlite3").resolve()
        self._lock, self._conn = _shared_connection(self._db)
        with self._transaction() as db:
            db.execute(_TABLE)
            db.execute(_INDEX)
            self._migrate(db)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

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
        """Rows written before the `committed` column existed get it (and a UTC stamp)."""
        columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        if "committed" not in columns:
            db.execute("ALTER TABLE runs ADD COLUMN committed TEXT")
        rows = db.execute("SELECT run_id, body FROM runs WHERE committed IS NULL").fetchall()
        for run_id, body in rows:
            run = self._parse(body)
            if run is not None:
                db.execute(
                    "UPDATE runs SET created_at=?, committed=? WHERE run_id=?",
                    (_stamp(run.created_at), str(committed(run)), run_id),
                )

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
            str(committed(run)),
        )
        db.execute(_UPSERT, row)

    def save(self, run: Run) -> None:
        """Insert or update a run."""
        with self._transaction() as db:
            self._write(db, run)

    def reserve(self, run: Run, budget: Budget) -> None:
        """Save a new run only if it keeps the spend since `budget.since` within the limit.

        Raises:
            BudgetExceededError: spend + this run's price would exceed `budget.limit`
                (nothing is saved).
        """
        with self._transaction() as db:
            spent = self._committed_since(db, budget.since, excluding=run.run_id)
            if spent + run.price > budget.limit:
                raise BudgetExceededError(price=run.price, spent=spent, limit=budget.limit)
            self._write(db, run)

    def committed_since(self, since: datetime) -> Decimal:
        """Money committed by the runs created at or after `since` (see `budget.committed`)."""
        with self._connect() as db:
            return self._committed_since(db, since)

    @staticmethod
    def _committed_since(
        db: sqlite3.Connection, since: datetime, excluding: str | None = None
    ) -> Decimal:
        rows = db.execute(
            "SELECT committed FROM runs WHERE created_at >= ? AND run_id IS NOT ?",
            (_stamp(since), excluding),
        ).fetchall()
        return sum((Decimal(r[0] or 0) for r in rows), Decimal(0))

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
        fd, tmp = tempfile.mkstemp(dir=self.videos, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.videos / name)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def put_image(self, data: bytes, suffix: str) -> str:
        """Keep an input image (content-addressed); returns its sha256."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.images / f"{digest}{suffix}"
        if not path.exists():
            fd, tmp = tempfile.mkstemp(dir=self.images, suffix=".part")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
        return digest

    def image_path(self, sha256: str) -> Path | None:
        """The stored input image with this sha256, if any."""
        if not _SHA256.fullmatch(sha256):
            return None
        matches = sorted(self.images.glob(f"{sha256}.*"))
        return next((m for m in matches if m.suffix != ".part"), None)
