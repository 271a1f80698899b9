"""The schema's revisions: the app's fast check knows the newest one."""

from __future__ import annotations

from playground.migrate import HEAD, newest_revision


def test_the_fast_check_names_the_newest_migration() -> None:
    assert newest_revision() == HEAD, "a new migration must update migrate.HEAD"
