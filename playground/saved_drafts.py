"""The unsubmitted form of each browser, kept in the store's database so a refresh loses nothing.

One row per browser (by `identity.browser_hash`, never the cookie itself) and workspace: the
draft as JSON. The images it points at are kept as files in the store's image folder (by
sha256), written by `playground.draft.save_draft`. A draft holds what the user typed (prompt,
settings, webhook, metadata) and never the API key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

__all__ = ["SavedDrafts", "create_tables"]

_TABLE = """
CREATE TABLE IF NOT EXISTS drafts (
    owner TEXT PRIMARY KEY,
    saved_at TEXT NOT NULL,
    body TEXT NOT NULL
)
"""
_UPSERT = """
INSERT INTO drafts(owner, saved_at, body) VALUES (?,?,?)
ON CONFLICT(owner) DO UPDATE SET saved_at=excluded.saved_at, body=excluded.body
"""
Connect = Callable[[], AbstractContextManager[sqlite3.Connection]]


def create_tables(db: sqlite3.Connection) -> None:
    """Create the drafts table (called by `Store` inside its opening transaction)."""
    db.execute(_TABLE)


class SavedDrafts:
    """Drafts by owner, in the store's database (`connect`/`transaction` are the store's)."""

    def __init__(self, connect: Connect, transaction: Connect) -> None:
        self._connect = connect
        self._transaction = transaction

    def save(self, owner: str, body: str) -> None:
        """Replace the owner's draft."""
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction() as db:
            db.execute(_UPSERT, (owner, stamp, body))

    def load(self, owner: str) -> str | None:
        """The owner's draft as saved, or None."""
        with self._connect() as db:
            row = db.execute("SELECT body FROM drafts WHERE owner=?", (owner,)).fetchone()
        return str(row[0]) if row else None
