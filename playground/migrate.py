"""Bring a database's schema up to date with Alembic, once per database and workspace.

Called by `Store` on opening: the first open of a database in this process runs the
migrations inside one serialised write transaction (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
the workspace's advisory lock, plus a lock of its own so two replicas starting together
do not both migrate). A database already at the newest revision costs one query.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect

from playground.database import Database, advisory_key, sql

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

__all__ = ["HEAD", "migrate", "newest_revision"]

_MIGRATIONS = Path(__file__).with_name("migrations")


# The newest revision in migrations/versions: a database there needs no Alembic at all (it is
# imported only to migrate, which keeps it out of the app's start). A test checks they agree.
HEAD = "0002"


@functools.cache
def _script() -> ScriptDirectory:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return ScriptDirectory.from_config(config)


def migrate(db: Database, scope: str) -> None:
    """Apply every migration `db` lacks (`scope` names the workspace of an SQLite file's
    existing rows; a PostgreSQL database is migrated once, before it holds any)."""
    key = "*" if db.shared else scope
    if key in db.migrated:
        return
    with db.connect() as conn:
        if _revision(conn) == HEAD:
            db.migrated.add(key)
            return
    with db.transaction("schema-migrations") as conn:
        if db.shared:  # one replica migrates; the others wait here, then find it done
            sql(conn, "SELECT pg_advisory_xact_lock(:key)", key=advisory_key("alembic"))
        if _revision(conn) != HEAD:
            _upgrade(conn, scope)
    db.migrated.add(key)


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return sql(conn, "SELECT version_num FROM alembic_version").scalar()


def _upgrade(conn: Connection, scope: str) -> None:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

    config = Config()
    config.attributes["scope"] = scope
    script = _script()

    def steps(rev, _context):
        return script._upgrade_revs("head", rev)

    with EnvironmentContext(config, script, fn=steps, destination_rev="head") as env:
        env.configure(connection=conn)
        env.run_migrations()


def newest_revision() -> str:
    """The head of the migration scripts (what `HEAD` must say)."""
    return str(_script().get_current_head())
