"""Prompt history and named presets, kept in the store's database (so per key scope).

- Prompt history: every prompt and negative prompt sent from this app (single runs and
  batches), most recently used first, searchable by any part of the text.
- Presets: named forms, stored as the JSON `playground.presets` makes of a `Draft`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from playground.database import Place, sql

__all__ = [
    "MAX_PRESET_NAME",
    "PromptBook",
    "PromptKind",
]

PromptKind = Literal["prompt", "negative_prompt"]
MAX_PRESET_NAME = 60
MAX_HISTORY = 200  # per kind; the oldest beyond it are forgotten


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
    """Prompt history and presets of one store's person (the store passes its place)."""

    def __init__(self, place: Place) -> None:
        self._place = place

    def _where(self) -> dict[str, str]:
        return {"scope": self._place.scope, "owner": self._place.owner}

    # --- prompt history --------------------------------------------------------------

    def remember(self, kind: PromptKind, text: str | None) -> None:
        """Note that `text` was just sent (empty texts are not kept)."""
        text = (text or "").strip()
        if not text:
            return
        mine = "scope=:scope AND owner=:owner AND kind=:kind"
        with self._place.transaction() as db:
            sql(
                db,
                "INSERT INTO prompt_history(scope, owner, kind, text, last_used) VALUES "
                "(:scope, :owner, :kind, :text, :now) ON CONFLICT(scope, owner, kind, text) "
                "DO UPDATE SET last_used=excluded.last_used, uses=prompt_history.uses+1",
                kind=kind,
                text=text,
                now=_now(),
                **self._where(),
            )
            sql(
                db,
                f"DELETE FROM prompt_history WHERE {mine} AND text NOT IN (SELECT text FROM "
                f"prompt_history WHERE {mine} ORDER BY last_used DESC LIMIT {MAX_HISTORY})",
                kind=kind,
                **self._where(),
            )

    def recent(self, kind: PromptKind, search: str = "", limit: int = 10) -> list[str]:
        """Texts of `kind`, most recently used first, containing `search` (any case)."""
        pattern = (
            "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        with self._place.connect() as db:
            result = sql(
                db,
                "SELECT text FROM prompt_history WHERE scope=:scope AND owner=:owner AND "
                "kind=:kind AND lower(text) LIKE lower(:pattern) ESCAPE '\\' "
                f"ORDER BY last_used DESC LIMIT {int(limit)}",
                kind=kind,
                pattern=pattern,
                **self._where(),
            ).all()
        return [r[0] for r in result]

    # --- presets ---------------------------------------------------------------------

    def save_preset(self, name: str, body: str) -> str:
        """Save a form (`body`, JSON) under `name`, replacing a preset of that name;
        returns the name as kept.

        Raises:
            ValueError: the name is empty.
        """
        name = _clean_name(name)
        with self._place.transaction() as db:
            sql(
                db,
                "INSERT INTO presets(scope, owner, name, updated_at, body) VALUES "
                "(:scope, :owner, :name, :now, :body) ON CONFLICT(scope, owner, name) DO "
                "UPDATE SET updated_at=excluded.updated_at, body=excluded.body",
                name=name,
                now=_now(),
                body=body,
                **self._where(),
            )
        return name

    def presets(self) -> list[str]:
        """Preset names, alphabetically (any case)."""
        with self._place.connect() as db:
            result = sql(
                db,
                "SELECT name FROM presets WHERE scope=:scope AND owner=:owner "
                "ORDER BY lower(name), name",
                **self._where(),
            ).all()
        return [r[0] for r in result]

    def preset(self, name: str) -> str | None:
        """The form saved as `name`, as saved (None when there is none)."""
        with self._place.connect() as db:
            return sql(
                db,
                "SELECT body FROM presets WHERE scope=:scope AND owner=:owner AND name=:name",
                name=name,
                **self._where(),
            ).scalar()

    def rename_preset(self, old: str, new: str) -> str:
        """Rename a preset; returns the new name.

        Raises:
            ValueError: the new name is empty, taken by another preset, or `old` is gone.
        """
        new = _clean_name(new)
        mine = "scope=:scope AND owner=:owner"
        with self._place.transaction() as db:
            taken = sql(
                db, f"SELECT 1 FROM presets WHERE {mine} AND name=:name", name=new, **self._where()
            ).first()
            if new != old and taken:
                raise ValueError(f"A preset called “{new}” exists already.")
            changed = sql(
                db,
                f"UPDATE presets SET name=:new, updated_at=:now WHERE {mine} AND name=:old",
                new=new,
                now=_now(),
                old=old,
                **self._where(),
            ).rowcount
        if not changed:
            raise ValueError(f"There is no preset called “{old}” any more.")
        return new

    def delete_preset(self, name: str) -> None:
        with self._place.transaction() as db:
            sql(
                db,
                "DELETE FROM presets WHERE scope=:scope AND owner=:owner AND name=:name",
                name=name,
                **self._where(),
            )
