"""Prompt history and named presets, kept in the store's database (so per key scope).

- Prompt history: every prompt and negative prompt sent from this app (single runs and
  batches), most recently used first, searchable by any part of the text.
- Presets: named forms, stored as the JSON `playground.presets` makes of a `Draft`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Literal

__all__ = [
    "MAX_PRESET_NAME",
    "PromptBook",
    "PromptKind",
    "create_tables",
]

PromptKind = Literal["prompt", "negative_prompt"]
MAX_PRESET_NAME = 60
MAX_HISTORY = 200  # per kind; the oldest beyond it are forgotten
Connect = Callable[[], AbstractContextManager[sqlite3.Connection]]

_TABLES = (
    """
    CREATE TABLE IF NOT EXISTS prompt_history (
        kind TEXT NOT NULL, text TEXT NOT NULL, last_used TEXT NOT NULL,
        uses INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (kind, text)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS presets (
        name TEXT PRIMARY KEY, updated_at TEXT NOT NULL, body TEXT NOT NULL
    )
    """,
)


def create_tables(db: sqlite3.Connection) -> None:
    for statement in _TABLES:
        db.execute(statement)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _clean_name(name: str) -> str:
    """A preset name: trimmed, one line, at most `MAX_PRESET_NAME` characters.

    Raises:
        ValueError: the name is empty.
    """
    name = " ".join(name.split())[:MAX_PRESET_NAME]
    if not name:
        raise ValueError("Give the preset a name.")
    return name


class PromptBook:
    """Prompt history and presets of one store (the store passes its connection)."""

    def __init__(self, connect: Connect, transaction: Connect) -> None:
        self._connect = connect
        self._transaction = transaction

    # --- prompt history --------------------------------------------------------------

    def remember(self, kind: PromptKind, text: str | None) -> None:
        """Note that `text` was just sent (empty texts are not kept)."""
        text = (text or "").strip()
        if not text:
            return
        with self._transaction() as db:
            db.execute(
                "INSERT INTO prompt_history(kind, text, last_used) VALUES (?,?,?) "
                "ON CONFLICT(kind, text) DO UPDATE SET last_used=excluded.last_used, "
                "uses=uses+1",
                (kind, text, _now()),
            )
            db.execute(
                "DELETE FROM prompt_history WHERE kind=? AND text NOT IN (SELECT text FROM "
                "prompt_history WHERE kind=? ORDER BY last_used DESC LIMIT ?)",
                (kind, kind, MAX_HISTORY),
            )

    def recent(self, kind: PromptKind, search: str = "", limit: int = 10) -> list[str]:
        """Texts of `kind`, most recently used first, containing `search` (any case)."""
        pattern = (
            "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        with self._connect() as db:
            rows = db.execute(
                "SELECT text FROM prompt_history WHERE kind=? AND text LIKE ? ESCAPE '\\' "
                "ORDER BY last_used DESC LIMIT ?",
                (kind, pattern, int(limit)),
            ).fetchall()
        return [r[0] for r in rows]

    # --- presets ---------------------------------------------------------------------

    def save_preset(self, name: str, body: str) -> str:
        """Save a form (`body`, JSON) under `name`, replacing a preset of that name;
        returns the name as kept.

        Raises:
            ValueError: the name is empty.
        """
        name = _clean_name(name)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO presets(name, updated_at, body) VALUES (?,?,?) "
                "ON CONFLICT(name) DO UPDATE SET updated_at=excluded.updated_at, "
                "body=excluded.body",
                (name, _now(), body),
            )
        return name

    def presets(self) -> list[str]:
        """Preset names, alphabetically (any case)."""
        with self._connect() as db:
            rows = db.execute("SELECT name FROM presets ORDER BY name COLLATE NOCASE").fetchall()
        return [r[0] for r in rows]

    def preset(self, name: str) -> str | None:
        """The form saved as `name`, as saved (None when there is none)."""
        with self._connect() as db:
            row = db.execute("SELECT body FROM presets WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def rename_preset(self, old: str, new: str) -> str:
        """Rename a preset; returns the new name.

        Raises:
            ValueError: the new name is empty, taken by another preset, or `old` is gone.
        """
        new = _clean_name(new)
        with self._transaction() as db:
            if new != old and db.execute("SELECT 1 FROM presets WHERE name=?", (new,)).fetchone():
                raise ValueError(f"A preset called “{new}” exists already.")
            changed = db.execute(
                "UPDATE presets SET name=?, updated_at=? WHERE name=?", (new, _now(), old)
            ).rowcount
        if not changed:
            raise ValueError(f"There is no preset called “{old}” any more.")
        return new

    def delete_preset(self, name: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM presets WHERE name=?", (name,))
