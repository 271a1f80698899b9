"""Bring a database's schema up to date with Alembic, once per database and workspace.

Called by `Store` on opening: the first open of a database in this process runs the
migrations inside one serialised write transaction (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
the workspace's advisory lock, plus a lock of its own so two replicas starting together
do not both migrate). A database already at the newest revision costs one query.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from playground.database import Database, advisory_key, sql

__all__ = ["migrate"]

_MIGRATIONS = Path(__file__).with_name("migrations")


@functools.cache
def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return ScriptDirectory.from_config(config)


def migrate(db: Database, scope: str) -> None:
    """Apply every migration `db` lacks (`scope` names the workspace of an SQLite file's
    existing rows; a PostgreSQL database is migrated once, before it holds any)."""
    key = "*" if db.shared else scope
    if key in db.migrated:
        return
    with db.transaction("schema-migrations") as conn:
        if db.shared:  # one replica migrates; the others wait here, then find it done
            sql(conn, "SELECT pg_advisory_xact_lock(:key)", key=advisory_key("alembic"))
        current = MigrationContext.configure(conn).get_current_revision()
        if current != _script().get_current_head():
            config = Config()
            config.attributes["scope"] = scope
            script = _script()

            def steps(rev, _context):
                return script._upgrade_revs("head", rev)

            with EnvironmentContext(config, script, fn=steps, destination_rev="head") as env:
                env.configure(connection=conn)
                env.run_migrations()
    db.migrated.add(key)
