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

# Every table is made anew with its workspace (`scope`) and person (`owner`) in the key, and
# its rows copied over (legacy rows belong to this file's workspace and to "": no sign-in).
_TABLES = {
    "runs": (
        "CREATE TABLE runs (scope TEXT NOT NULL, run_id TEXT NOT NULL, owner TEXT NOT NULL, "
        "created_at TEXT NOT NULL, task_id TEXT, seq INTEGER NOT NULL DEFAULT 0, active "
        "INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL, "
        "PRIMARY KEY (scope, run_id))",
        ("run_id", "created_at", "task_id", "body"),
    ),
    "ledger": (
        "CREATE TABLE ledger (scope TEXT NOT NULL, run_id TEXT NOT NULL, owner TEXT NOT NULL, "
        "at TEXT NOT NULL, price TEXT NOT NULL, amount TEXT NOT NULL, kind TEXT NOT NULL, "
        "PRIMARY KEY (scope, run_id))",
        ("run_id", "at", "price", "amount", "kind"),
    ),
    "batches": (
        "CREATE TABLE batches (scope TEXT NOT NULL, batch_id TEXT NOT NULL, owner TEXT NOT "
        "NULL, created_at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (scope, batch_id))",
        ("batch_id", "created_at", "body"),
    ),
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
    "CREATE INDEX runs_scope_seq ON runs(scope, seq)",  # MAX(seq) of a new run: no scan
    "CREATE INDEX runs_scope_task ON runs(scope, task_id)",
    "CREATE INDEX runs_scope_active ON runs(scope, active)",
    "CREATE INDEX runs_scope_deleted ON runs(scope, owner, deleted)",
    "CREATE INDEX ledger_scope_at ON ledger(scope, at, amount)",  # covering: month sums
    "CREATE INDEX ledger_owner_at ON ledger(scope, owner, at, amount)",
    "CREATE INDEX batches_owner_created ON batches(scope, owner, created_at)",
)


def upgrade() -> None:
    scope = context.config.attributes.get("scope", "")
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    for index in ("runs_created", "runs_task", "ledger_at"):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    for table, (create, columns) in _TABLES.items():
        # runs keep the order they were first saved in (SQLite's rowid) as `seq`
        extra = ", rowid" if sqlite and table == "runs" else ""
        kept = bind.execute(sa.text(f"SELECT {', '.join(columns)}{extra} FROM {table}")).all()
        op.execute(f"DROP TABLE {table}")
        op.execute(create)
        names = ", ".join(columns)
        marks = ", ".join(f":{c}" for c in columns)
        if table == "drafts":  # the old key was the browser: it stays the owner
            insert = f"INSERT INTO drafts (scope, {names}) VALUES (:scope, {marks})"
        elif extra:
            insert = (
                f"INSERT INTO runs (scope, owner, seq, {names}) VALUES (:scope, '', :seq, {marks})"
            )
        else:
            insert = f"INSERT INTO {table} (scope, owner, {names}) VALUES (:scope, '', {marks})"
        for row in kept:
            values = dict(zip(columns, row, strict=False))
            if extra:
                values["seq"] = row[-1]
            bind.execute(sa.text(insert), {"scope": scope, **values})
    if sqlite:
        from playground.migrations.legacy import run_flags

        run_flags(bind)
    for statement in (*_NEW, *_INDEXES):
        op.execute(statement)
