"""The unsubmitted form of each browser, kept in the store's database so a refresh loses nothing.

One row per browser (by `identity.browser_hash`, never the cookie itself) and workspace: the
draft as JSON. The images it points at are kept as files in the store's image folder (by
sha256), written by `playground.draft.save_draft`. A draft holds what the user typed (prompt,
settings, webhook, metadata) and never the API key.
"""

from __future__ import annotations

from datetime import UTC, datetime

from playground.database import Place, sql

__all__ = ["SavedDrafts"]

_UPSERT = """
INSERT INTO drafts(scope, owner, saved_at, body) VALUES (:scope, :owner, :at, :body)
ON CONFLICT(scope, owner) DO UPDATE SET saved_at=excluded.saved_at, body=excluded.body
"""


class SavedDrafts:
    """Drafts by owner (a browser, or a person on a browser), in the store's workspace."""

    def __init__(self, place: Place) -> None:
        self._place = place

    def save(self, owner: str, body: str) -> None:
        """Replace the owner's draft."""
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with self._place.transaction() as db:
            sql(db, _UPSERT, scope=self._place.scope, owner=owner, at=stamp, body=body)

    def load(self, owner: str) -> str | None:
        """The owner's draft as saved, or None."""
        with self._place.connect() as db:
            body = sql(
                db,
                "SELECT body FROM drafts WHERE scope=:scope AND owner=:owner",
                scope=self._place.scope,
                owner=owner,
            ).scalar()
        return None if body is None else str(body)
