"""Where the store's tables live: one SQLite file per workspace, or one PostgreSQL database.

- **SQLite** (the default, zero setup): `<data dir>/<scope>/runs.sqlite3`, one connection per
  file for the whole process, used under one lock; a write transaction is `BEGIN IMMEDIATE`,
  which takes SQLite's write lock before anything is read, so two processes sharing the
  folder serialise their budget checks.
- **PostgreSQL** (`MODELHUNTER_DATABASE_URL`, for several app replicas): one pooled engine
  per URL; a write transaction first takes a transaction-scoped advisory lock named after
  the workspace (`pg_advisory_xact_lock`), the same serialisation across replicas.

Both are SQLAlchemy 2 Core connections; the statements are written once, in SQL both
dialects read (`sql`). The schema is Alembic's (`playground.migrations`), brought up to
date on the first open of a database in each process (`migrate`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, TextClause, create_engine, event, text
from sqlalchemy.engine import make_url

__all__ = [
    "BUSY_TIMEOUT_S",
    "Database",
    "Place",
    "advisory_key",
    "sql",
    "stamp",
    "sqlite_url",
]

BUSY_TIMEOUT_S = 30.0


@functools.lru_cache(maxsize=512)
def _text(statement: str) -> TextClause:
    return text(statement)


def sql(db: Connection, statement: str, /, **params: Any) -> CursorResult[Any]:
    """Run one statement with named `:params` (the compiled form is cached)."""
    return db.execute(_text(statement), params)


def advisory_key(scope: str) -> int:
    """A stable signed 64-bit number naming a workspace's write lock in PostgreSQL."""
    return int.from_bytes(hashlib.sha256(scope.encode()).digest()[:8], "big", signed=True)


def stamp(moment: datetime) -> str:
    """A sortable UTC timestamp for a row (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Database:
    """One database: `connect()` for reads, `transaction(scope)` for serialised writes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        self.migrated: set[str] = set()  # scopes whose rows the migrations have seen
        self._lock = threading.RLock()
        self._conn: Connection | None = None
        if self.dialect == "sqlite":
            # Autocommit at the driver: transactions are explicit (BEGIN IMMEDIATE), so the
            # write lock is really taken before a budget is read. Used only under `_lock`.
            self.engine: Engine = create_engine(
                url,
                isolation_level="AUTOCOMMIT",
                connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(
                url, pool_pre_ping=True, pool_size=5, max_overflow=10, future=True
            )

    @property
    def shared(self) -> bool:
        """True when every workspace lives in this one database (PostgreSQL)."""
        return self.dialect != "sqlite"

    def _sqlite(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect()
        return self._conn

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reads (SQLite: the file's one connection, under its lock)."""
        if self.dialect == "sqlite":
            with self._lock:
                yield self._sqlite()
            return
        with self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def transaction(self, scope: str) -> Iterator[Connection]:
        """A write transaction, serialised with every other writer of `scope`'s tables."""
        if self.dialect == "sqlite":
            with self._lock:
                conn = self._sqlite()
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
                        conn.exec_driver_sql("ROLLBACK")
                    raise
                conn.exec_driver_sql("COMMIT")
            return
        with self.engine.begin() as conn:
            sql(conn, "SELECT pg_advisory_xact_lock(:key)", key=advisory_key(scope))
            yield conn

    def close(self) -> None:
        """Close every connection (as a restart would)."""
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
                self._conn = None
            self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across app crashes
    finally:
        cursor.close()


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Place:
    """Where one store's rows are: its connections, its workspace and its person.

    Every statement of the store's books filters on `scope` and `owner` ("" without sign-in).
    """

    connect: Callable[[], AbstractContextManager[Connection]]
    transaction: Callable[[], AbstractContextManager[Connection]]
    scope: str
    owner: str = ""
