"""The schema as the app made it before Alembic (SQLite `user_version` 2).

Tables are created only when missing: a database made by an older version is adopted as it
is. A database older still (`user_version` < 2) gets what version 2 added: UTC `created_at`
stamps and a ledger entry for each of its runs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TABLES = (
    "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
    "task_id TEXT, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ledger (run_id TEXT PRIMARY KEY, at TEXT NOT NULL, "
    "price TEXT NOT NULL, amount TEXT NOT NULL, kind TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS daily_budgets (day TEXT PRIMARY KEY, amount TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS batches (batch_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
    "body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS prompt_history (kind TEXT NOT NULL, text TEXT NOT NULL, "
    "last_used TEXT NOT NULL, uses INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (kind, text))",
    "CREATE TABLE IF NOT EXISTS presets (name TEXT PRIMARY KEY, updated_at TEXT NOT NULL, "
    "body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS drafts (owner TEXT PRIMARY KEY, saved_at TEXT NOT NULL, "
    "body TEXT NOT NULL)",
)


def upgrade() -> None:
    for statement in _TABLES:
        op.execute(statement)
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    version = bind.exec_driver_sql("PRAGMA user_version").scalar() or 0
    if version < 2:
        from playground.migrations.legacy import utc_stamps_and_ledger

        utc_stamps_and_ledger(bind)
        bind.exec_driver_sql("PRAGMA user_version=2")
