"""The people of a team workspace (with sign-in): who has used it, and when last.

Admins see everyone here on the Team page, also those who have not spent anything yet, to
set their budgets before they do.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from playground.database import Place, sql, stamp

__all__ = ["Member", "TeamBook"]


class Member(BaseModel):
    """A person who signed in to this workspace."""

    owner: str
    name: str
    last_seen: datetime


class TeamBook:
    """People of one workspace (the store passes its place)."""

    def __init__(self, place: Place) -> None:
        self._place = place

    def seen(self, owner: str, name: str, now: datetime) -> None:
        """Note that `owner` (named `name`) uses the workspace now."""
        with self._place.transaction() as db:
            sql(
                db,
                "INSERT INTO people(scope, owner, name, last_seen) VALUES "
                "(:scope, :owner, :name, :now) ON CONFLICT(scope, owner) DO UPDATE SET "
                "name=excluded.name, last_seen=excluded.last_seen",
                scope=self._place.scope,
                owner=owner,
                name=name,
                now=stamp(now),
            )

    def members(self) -> list[Member]:
        """Everyone who signed in to this workspace, by email."""
        with self._place.connect() as db:
            result = sql(
                db,
                "SELECT owner, name, last_seen FROM people WHERE scope=:scope ORDER BY owner",
                scope=self._place.scope,
            ).all()
        return [Member(owner=o, name=n, last_seen=datetime.fromisoformat(t)) for o, n, t in result]
