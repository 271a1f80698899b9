"""An SQLite file of the last version before Alembic (`user_version` 2) is upgraded in place
when a Store opens it: every run, ledger entry, preset, prompt, draft, batch and today's
budget is still there; the file then says revision 0002, and opening it again changes nothing.

SQLite only: these files exist only as SQLite files (PostgreSQL starts at revision 0002).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from modelhunter.requests import parse_request
from modelhunter.responses import Task, TaskStatus
from playground.batch_book import Batch, BatchItem
from playground.budget import Budget
from playground.draft import Draft, load_draft
from playground.runs import Run
from playground.store import Store

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SCOPE = "key-v2"
BROWSER = "f" * 32

# The tables exactly as version 2 made them (the same as revision 0001), and its indexes.
V2_SCHEMA = (
    "CREATE TABLE runs (run_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
    "task_id TEXT, body TEXT NOT NULL)",
    "CREATE TABLE ledger (run_id TEXT PRIMARY KEY, at TEXT NOT NULL, "
    "price TEXT NOT NULL, amount TEXT NOT NULL, kind TEXT NOT NULL)",
    "CREATE TABLE daily_budgets (day TEXT PRIMARY KEY, amount TEXT NOT NULL)",
    "CREATE TABLE batches (batch_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
    "body TEXT NOT NULL)",
    "CREATE TABLE prompt_history (kind TEXT NOT NULL, text TEXT NOT NULL, "
    "last_used TEXT NOT NULL, uses INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (kind, text))",
    "CREATE TABLE presets (name TEXT PRIMARY KEY, updated_at TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE drafts (owner TEXT PRIMARY KEY, saved_at TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX runs_created ON runs(created_at)",
    "CREATE INDEX runs_task ON runs(task_id)",
    "CREATE INDEX ledger_at ON ledger(at)",
)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _run(run_id: str, at: datetime, **fields: object) -> Run:
    request = parse_request(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": run_id}}
    )
    return Run(run_id=run_id, created_at=at, request=request, price=Decimal("0.42"), **fields)


def _task(task_id: str, status: TaskStatus, cost: str | None = None) -> Task:
    return Task(
        id=task_id,
        status=status,
        model="kling-v3",
        created_at=NOW,
        cost=Decimal(cost) if cost else None,
    )


# Saved in this order (the ties keep it); newest first is the gallery's order.
RUNS = [
    _run("run_yesterday", NOW - timedelta(days=1), phase="unknown", lookups_paused=True),
    _run(
        "run_tie_1",
        NOW - timedelta(hours=2),
        phase="tracking",
        task=_task("t1", TaskStatus.SUCCEEDED, "0.40"),
        video_file="run_tie_1.mp4",
    ),
    _run(
        "run_tie_2",
        NOW - timedelta(hours=2),
        phase="tracking",
        task=_task("t2", TaskStatus.RUNNING),
    ),
    _run("run_deleted", NOW - timedelta(hours=1), phase="rejected", deleted_at=NOW),
    Run(
        run_id="recovered_t9",
        created_at=NOW - timedelta(minutes=30),
        price=Decimal(0),
        phase="tracking",
        task=_task("t9", TaskStatus.SUCCEEDED),
        video_file="recovered_t9.mp4",
    ),
]
ORDER = ["recovered_t9", "run_deleted", "run_tie_2", "run_tie_1", "run_yesterday"]
LEDGER = {  # run_id: (amount, kind), as version 2 wrote them
    "run_yesterday": ("0.42", "reserved"),
    "run_tie_1": ("0.40", "charged"),
    "run_tie_2": ("0.42", "reserved"),
    "run_deleted": ("0", "released"),
}
DRAFT = Draft(model="kling-v2-6", values={"input.prompt": "kept across the upgrade"})
BATCH = Batch(
    batch_id="batch_old",
    created_at=NOW - timedelta(hours=2),
    varied=["Prompt"],
    items=[BatchItem(index=0, settings={"Prompt": "a"}, run_id="run_tie_1", price=Decimal("0.42"))],
    total=Decimal("0.42"),
    state="sent",
)


def _version_2_file(folder: Path) -> Path:
    folder.mkdir(parents=True)
    db = folder / "runs.sqlite3"
    with sqlite3.connect(db) as conn:
        for statement in V2_SCHEMA:
            conn.execute(statement)
        for run in RUNS:
            conn.execute(
                "INSERT INTO runs VALUES (?,?,?,?)",
                (run.run_id, _stamp(run.created_at), run.task.id if run.task else None,
                 run.model_dump_json()),
            )  # fmt: skip
        for run_id, (amount, kind) in LEDGER.items():
            run = next(r for r in RUNS if r.run_id == run_id)
            conn.execute(
                "INSERT INTO ledger VALUES (?,?,?,?,?)",
                (run_id, _stamp(run.created_at), "0.42", amount, kind),
            )
        conn.executemany(
            "INSERT INTO daily_budgets VALUES (?,?)",
            [("2026-01-14", "9.00"), ("2026-01-15", "1.50")],
        )
        conn.executemany(
            "INSERT INTO prompt_history VALUES (?,?,?,?)",
            [
                ("prompt", "a cat on a roof", _stamp(NOW - timedelta(days=2)), 1),
                ("prompt", "slow push in", _stamp(NOW - timedelta(hours=3)), 4),
                ("negative_prompt", "blur", _stamp(NOW - timedelta(days=1)), 2),
            ],
        )
        conn.executemany(
            "INSERT INTO presets VALUES (?,?,?)",
            [
                ("Sea", _stamp(NOW), '{"model": "kling-v3", "values": {"input.prompt": "sea"}}'),
                ("b", _stamp(NOW), '{"values": {}}'),
            ],
        )
        conn.execute(
            "INSERT INTO drafts VALUES (?,?,?)",
            (BROWSER, NOW.isoformat(timespec="seconds"), DRAFT.model_dump_json()),
        )
        conn.execute(
            "INSERT INTO batches VALUES (?,?,?)",
            (BATCH.batch_id, BATCH.created_at.isoformat(), BATCH.model_dump_json()),
        )
        conn.execute("PRAGMA user_version=2")
    conn.close()
    return db


def _dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_a_version_2_file_is_upgraded_in_place_and_keeps_everything(tmp_path) -> None:
    db = _version_2_file(tmp_path / SCOPE)
    budget = Budget(daily=Decimal(5))

    store = Store(tmp_path, SCOPE)

    assert [r.run_id for r in store.runs()] == ORDER, "the same order, ties included"
    assert {r.run_id: r for r in store.runs()} == {r.run_id: r for r in RUNS}, "exactly"
    assert [r.run_id for r in store.deleted_runs()] == ["run_deleted"]
    assert [r.run_id for r in store.active_runs()] == ["run_tie_2"]
    assert store.run_for_task("t2").run_id == "run_tie_2"
    assert store.task_ids() == {"t1", "t2", "t9"}
    assert {e.run_id: (str(e.amount), e.kind) for e in store.ledger.entries()} == LEDGER
    standing = store.ledger.standing(budget, NOW)
    assert (standing.today, standing.daily_limit) == (Decimal("0.82"), Decimal("1.50"))
    assert standing.month == Decimal("1.24")
    assert store.ledger.daily_limit(budget, NOW - timedelta(days=1)) == Decimal("9.00")
    assert store.prompts.recent("prompt") == ["slow push in", "a cat on a roof"]
    assert store.prompts.recent("negative_prompt") == ["blur"]
    assert store.prompts.presets() == ["b", "Sea"]
    assert store.prompts.preset("Sea") == '{"model": "kling-v3", "values": {"input.prompt": "sea"}}'
    assert load_draft(store, BROWSER) == (DRAFT, {})
    assert store.batches.all() == [BATCH]
    store.save(_run("run_new", NOW))  # and it is written to as usual
    assert store.runs(limit=1)[0].run_id == "run_new"

    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type='index'")}
    conn.close()
    assert {"runs_owner_created", "ledger_owner_at"} <= indexes
    assert not {"runs_created", "ledger_at"} & indexes, "version 2's indexes were replaced"

    store.close()  # as after a restart: the next open finds the file up to date
    before = _dump(db)
    again = Store(tmp_path, SCOPE)
    assert [r.run_id for r in again.runs()] == ["run_new", *ORDER]
    again.close()
    assert _dump(db) == before, "opening it again changed nothing"
