"""Teams: every row names its workspace (`scope`) and person (`owner`, "" without sign-in).

One PostgreSQL database can then hold every workspace, and a workspace shared by a team (one
key) keeps each person's gallery, presets, prompts, drafts and ledger entries apart. Adds the
people, per-person budget limits and the polling lease tables; runs get `seq` (the order they
were first saved), `active` and `deleted` (so the poller and the Gallery's purge find theirs
without reading every run). Existing rows keep everything; they belong to "" (no sign-in).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_KEYED = {  # tables whose primary key now starts with (scope, owner)
    "daily_budgets": (
        "CREATE TABLE daily_budgets (scope TEXT NOT NULL, owner TEXT NOT NULL, day TEXT NOT "
        "NULL, amount TEXT NOT NULL, PRIMARY KEY (scope, owner, day))",
        ("day", "amount"),
    ),
    "prompt_history": (
        "CREATE TABLE prompt_history (scope TEXT NOT NULL, owner TEXT NOT NULL, kind TEXT NOT "
        "NULL, text TEXT NOT NULL, last_used TEXT NOT NULL, uses INTEGER NOT NULL DEFAULT 1, "
        "PRIMARY KEY (scope, owner, kind, text))",
        ("kind", "text", "last_used", "uses"),
    ),
    "presets": (
        "CREATE TABLE presets (scope TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL, "
        "updated_at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (scope, owner, name))",
        ("name", "updated_at", "body"),
    ),
    "drafts": (
        "CREATE TABLE drafts (scope TEXT NOT NULL, owner TEXT NOT NULL, saved_at TEXT NOT "
        "NULL, body TEXT NOT NULL, PRIMARY KEY (scope, owner))",
        ("owner", "saved_at", "body"),
    ),
}
_NEW = (
    "CREATE TABLE budget_limits (scope TEXT NOT NULL, owner TEXT NOT NULL, daily TEXT, "
    "monthly TEXT, PRIMARY KEY (scope, owner))",
    "CREATE TABLE people (scope TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL, "
    "last_seen TEXT NOT NULL, PRIMARY KEY (scope, owner))",
    "CREATE TABLE poll_leases (scope TEXT PRIMARY KEY, holder TEXT NOT NULL, until TEXT NOT NULL)",
)
_INDEXES = (
    "CREATE INDEX runs_owner_created ON runs(scope, owner, created_at)",
    "CREATE INDEX runs_scope_task ON runs(scope, task_id)",
    "CREATE INDEX runs_scope_active ON runs(scope, active)",
    "CREATE INDEX runs_scope_deleted ON runs(scope, owner, deleted)",
    "CREATE INDEX ledger_scope_at ON ledger(scope, at, amount)",  # covering: month sums
    "CREATE INDEX ledger_owner_at ON ledger(scope, owner, at, amount)",
    "CREATE INDEX batches_owner_created ON batches(scope, owner, created_at)",
)


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=False, server_default="")


def _flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def upgrade() -> None:
    scope = context.config.attributes.get("scope", "")
    bind = op.get_bind()
    for index in ("runs_created", "runs_task", "ledger_at"):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    for table in ("runs", "ledger", "batches"):
        op.add_column(table, _text("scope"))
        op.add_column(table, _text("owner"))
        op.execute(sa.text(f"UPDATE {table} SET scope = :scope").bindparams(scope=scope))
    for column in ("seq", "active", "deleted"):
        op.add_column("runs", _flag(column))
    if bind.dialect.name == "sqlite":
        from playground.migrations.legacy import run_flags

        op.execute("UPDATE runs SET seq = rowid")
        run_flags(bind)
    for table, (create, columns) in _KEYED.items():
        kept = bind.execute(sa.text(f"SELECT {', '.join(columns)} FROM {table}")).all()
        op.execute(f"DROP TABLE {table}")
        op.execute(create)
        names = ", ".join(columns)
        marks = ", ".join(f":{c}" for c in columns)
        if table == "drafts":  # the old key was the browser: it stays the owner
            insert = f"INSERT INTO drafts (scope, {names}) VALUES (:scope, {marks})"
        else:
            insert = f"INSERT INTO {table} (scope, owner, {names}) VALUES (:scope, '', {marks})"
        for row in kept:
            bind.execute(sa.text(insert), {"scope": scope, **dict(zip(columns, row, strict=True))})
    for statement in (*_NEW, *_INDEXES):
        op.execute(statement)
