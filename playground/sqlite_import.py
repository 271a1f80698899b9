"""Moving to PostgreSQL keeps everything: a workspace's SQLite file is imported on first open.

When `MODELHUNTER_DATABASE_URL` is set and a workspace folder still holds the `runs.sqlite3`
of the single-machine setup, the first Store opened on it brings that file up to date
(Alembic), copies every row into the shared database (rows already there are left alone, so
a second replica or a restart importing again changes nothing) and renames the file to
`runs.sqlite3.imported-<time>` — kept, never deleted.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from playground.database import Database, sql, sqlite_url
from playground.migrate import migrate

__all__ = ["TABLES", "import_sqlite"]

logger = logging.getLogger(__name__)

# Every table a workspace's rows live in (the polling lease is the processes', not data).
TABLES = (
    "runs",
    "ledger",
    "daily_budgets",
    "budget_limits",
    "batches",
    "prompt_history",
    "presets",
    "drafts",
    "people",
)


def import_sqlite(file: Path, target: Database, scope: str) -> int:
    """Copy a workspace's SQLite file into `target` and set the file aside; returns how many
    rows were new to `target` (0 when there is no file)."""
    if not file.is_file():
        return 0
    source = Database(sqlite_url(file))
    try:
        migrate(source, scope)
        added = 0
        with source.connect() as src, target.transaction(scope) as dst:
            for table in TABLES:
                result = sql(src, f"SELECT * FROM {table}")
                columns = list(result.keys())
                names, marks = ", ".join(columns), ", ".join(f":{c}" for c in columns)
                insert = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"
                for row in result.mappings().all():
                    added += sql(dst, insert, **row).rowcount or 0
    finally:
        source.close()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for suffix in ("-wal", "-shm", ""):
        part = file.with_name(file.name + suffix)
        if part.exists():
            part.rename(file.with_name(f"{file.name}.imported-{stamp}{suffix}"))
    logger.warning("Imported %d rows of %s into the shared database", added, file.parent.name)
    return added
