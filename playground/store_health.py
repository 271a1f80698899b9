"""What can go wrong with the store on this machine, decided in one place, in plain words.

Every failure of the data folder or its database (a damaged file, a full disk, missing
permissions, a read-only mount, a file in the way) becomes one `StoreUnavailable` with a
`kind`, the folder, what went wrong and what to do; the app shows it as a banner above a
read-only gallery of the videos still on disk.

A damaged database does not stay a failure: the store moves it aside (`move_aside`, never
deleting it), keeps the rows that still read (`salvage`) and rebuilds a fresh database with
those and with a run for every video on disk (`runs_from_videos`); `Recovery` says so.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import DBAPIError, OperationalError

from playground.runs import Run

__all__ = [
    "SQLITE_HEADER",
    "Kind",
    "Recovery",
    "StoreUnavailable",
    "classify",
    "looks_like_sqlite",
    "move_aside",
    "runs_from_videos",
    "salvage",
    "translated",
    "videos_on_disk",
]

Kind = Literal["corrupt", "no_space", "permission", "read_only", "in_the_way", "database", "other"]
SQLITE_HEADER = b"SQLite format 3\x00"
_ERRNO_KINDS: dict[int, Kind] = {
    errno.ENOSPC: "no_space",
    errno.EDQUOT: "no_space",
    errno.EFBIG: "no_space",
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EROFS: "read_only",
    errno.ENOTDIR: "in_the_way",
    errno.EISDIR: "in_the_way",
    errno.EEXIST: "in_the_way",
}
_SQLITE_KINDS: dict[str, Kind] = {
    "SQLITE_FULL": "no_space",
    "SQLITE_CORRUPT": "corrupt",
    "SQLITE_NOTADB": "corrupt",
    "SQLITE_READONLY": "read_only",
    "SQLITE_PERM": "permission",
    "SQLITE_AUTH": "permission",
    "SQLITE_CANTOPEN": "permission",
    "SQLITE_IOERR": "other",
}
_WHAT: dict[Kind, str] = {
    "corrupt": "The run database in the data folder is damaged.",
    "no_space": "The disk holding the data folder is full.",
    "permission": "The app is not allowed to read or write the data folder.",
    "read_only": "The data folder is on a read-only disk.",
    "in_the_way": "Something is in the way: a file stands where the data folder (or a "
    "folder inside it) should be, or the other way round.",
    "database": "The database server (MODELHUNTER_DATABASE_URL) can't be reached.",
    "other": "The disk holding the data folder reported an error.",
}
_TODO: dict[Kind, str] = {
    "corrupt": "Reload the page: the damaged file is moved aside (never deleted) and a fresh "
    "database is rebuilt from the videos on disk.",
    "no_space": "Free some space on that disk, then reload the page. Nothing is lost: "
    "finished videos are downloaded as soon as there is room.",
    "permission": "Give the user running the app read and write access to that folder "
    "(or set MODELHUNTER_DATA_DIR to a folder it owns), then reload the page.",
    "read_only": "Mount that disk read-write, or set MODELHUNTER_DATA_DIR to a writable "
    "folder, then reload the page.",
    "in_the_way": "Move the file out of the way, or set MODELHUNTER_DATA_DIR to another "
    "folder, then reload the page.",
    "database": "Check that the database server is running and reachable from this app, "
    "then reload the page. Nothing is lost: finished videos stay in the data folder.",
    "other": "Check the disk, then reload the page.",
}


class StoreUnavailable(Exception):
    """The store can't be read or written right now, for a reason on this machine."""

    def __init__(self, kind: Kind, data_dir: Path, detail: str = "") -> None:
        self.kind = kind
        self.data_dir = data_dir
        self.detail = detail
        super().__init__(f"{self.what} Data folder: {data_dir}. {self.todo}")

    @property
    def what(self) -> str:
        """What went wrong, in plain words."""
        return _WHAT[self.kind]

    @property
    def todo(self) -> str:
        """What the user can do about it."""
        return _TODO[self.kind]


def classify(exc: BaseException) -> Kind | None:
    """The kind of a local storage failure; None for anything else (e.g. a bug, a lock)."""
    if isinstance(exc, StoreUnavailable):
        return exc.kind
    if isinstance(exc, DBAPIError):  # SQLAlchemy's wrapper: judge what the driver raised
        if isinstance(exc.orig, sqlite3.Error):
            return classify(exc.orig)
        return "database" if isinstance(exc, OperationalError) else None
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        return next((k for prefix, k in _SQLITE_KINDS.items() if name.startswith(prefix)), None)
    if isinstance(exc, OSError) and exc.errno is not None:
        return _ERRNO_KINDS.get(exc.errno, "other")
    return None


@contextlib.contextmanager
def translated(data_dir: Path) -> Iterator[None]:
    """Raise local storage failures inside as `StoreUnavailable` for `data_dir`."""
    try:
        yield
    except StoreUnavailable:
        raise
    except (sqlite3.Error, OSError, DBAPIError) as exc:
        kind = classify(exc)
        if kind is None:
            raise
        raise StoreUnavailable(kind, data_dir.absolute(), str(exc)) from exc


@dataclass(frozen=True)
class Recovery:
    """A damaged database was moved aside and a fresh one rebuilt."""

    moved_to: Path
    salvaged: int  # rows of the old file that still read
    from_videos: int  # runs made up from video files no row described

    @property
    def message(self) -> str:
        return (
            f"The run database was damaged. It was moved aside to {self.moved_to.name} "
            f"(nothing was deleted) and a fresh one was built: {self.salvaged} runs could "
            f"still be read and {self.from_videos} more were found as videos on disk (their "
            "settings are unknown). The History page can recover the rest from ModelHunter."
        )


def looks_like_sqlite(db: Path) -> bool:
    """False when the file exists, is not empty and does not start like an SQLite file."""
    try:
        with db.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return True
    return head in (b"", SQLITE_HEADER)


def move_aside(db: Path, now: datetime) -> Path:
    """Rename a damaged database (and its -wal/-shm) to `<name>.corrupt-<timestamp>`."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = db.with_name(f"{db.name}.corrupt-{stamp}")
    for suffix in ("-wal", "-shm", ""):  # the main file last: it names the set
        part = db.with_name(db.name + suffix)
        if part.exists():
            part.rename(target.with_name(target.name + suffix))
    return target


def salvage(db: Path) -> list[str]:
    """The run bodies of a damaged database that still read, as far as they read."""
    bodies: list[str] = []
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)
        try:
            for (body,) in conn.execute("SELECT body FROM runs"):
                if isinstance(body, str):
                    bodies.append(body)
        finally:
            conn.close()
    return bodies


def videos_on_disk(videos: Path) -> list[Path]:
    """Complete video files in a folder, newest first; [] when it can't be read."""
    try:
        found = [p for p in videos.glob("*.mp4") if p.is_file()]
        return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return []


def runs_from_videos(videos: Path, known: set[str]) -> list[Run]:
    """A run for every video on disk no known run describes: what a file can tell."""
    runs = []
    for path in videos_on_disk(videos):
        if path.stem in known:
            continue
        made = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        runs.append(
            Run(
                run_id=path.stem,
                created_at=made,
                price=Decimal(0),
                phase="from_disk",
                video_file=path.name,
            )
        )
    return runs
