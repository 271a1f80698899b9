"""Persistence of runs and their files: SQLite + a folder per scope (demo or key hash)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from playground.runs import Run

__all__ = ["Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    task_id TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_created ON runs(created_at);
"""


class Store:
    """Runs of one scope, saved as JSON rows; videos and input images as files.

    Safe to share between Streamlit sessions and threads: each call opens its own
    short-lived connection, writes are serialised by a lock, files are written
    atomically (temp file + rename) so a crash never leaves half a video.
    """

    def __init__(self, root: Path, scope: str) -> None:
        self.dir = Path(root) / scope
        self.videos = self.dir / "videos"
        self.images = self.dir / "images"
        for folder in (self.dir, self.videos, self.images):
            folder.mkdir(parents=True, exist_ok=True)
        self._db = self.dir / "runs.sqlite3"
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self._db, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            with db:
                yield db
        finally:
            db.close()

    def save(self, run: Run) -> None:
        """Insert or replace a run."""
        body = run.model_dump_json()
        task_id = run.task.id if run.task else None
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO runs(run_id, created_at, task_id, body) VALUES (?,?,?,?)",
                (run.run_id, run.created_at.isoformat(), task_id, body),
            )

    def get(self, run_id: str) -> Run | None:
        with self._connect() as db:
            row = db.execute("SELECT body FROM runs WHERE run_id=?", (run_id,)).fetchone()
        return Run.model_validate_json(row[0]) if row else None

    def runs(self, limit: int | None = None) -> list[Run]:
        """Runs newest first."""
        sql = "SELECT body FROM runs ORDER BY created_at DESC"
        with self._connect() as db:
            rows = db.execute(sql + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
        return [Run.model_validate_json(r[0]) for r in rows]

    def task_ids(self) -> set[str]:
        with self._connect() as db:
            rows = db.execute("SELECT task_id FROM runs WHERE task_id IS NOT NULL").fetchall()
        return {r[0] for r in rows}

    def video_path(self, run: Run) -> Path | None:
        """The stored video of a run, if it was downloaded."""
        return self.videos / run.video_file if run.video_file else None

    @contextlib.contextmanager
    def writing_video(self, run_id: str) -> Iterator[BinaryIO]:
        """A file to stream a video into; it appears under its name only when complete."""
        name = f"{run_id}.mp4"
        fd, tmp = tempfile.mkstemp(dir=self.videos, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
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
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        return digest

    def image_path(self, sha256: str) -> Path | None:
        matches = sorted(self.images.glob(f"{sha256}.*"))
        return next((m for m in matches if m.suffix != ".part"), None)
