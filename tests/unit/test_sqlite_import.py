"""Moving a workspace from its SQLite file to PostgreSQL keeps every row, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from playground.budget import Budget
from playground.runs import Run
from playground.store import Store

SCOPE = "key-moving"


def test_the_first_open_on_postgresql_imports_the_workspace_file(
    tmp_path: Path, postgres_url: str
) -> None:
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    old = Store(tmp_path, SCOPE)
    for n in range(3):
        old.reserve(
            Run(run_id=f"r{n}", created_at=start + timedelta(minutes=n), price=Decimal("0.42")),
            Budget(daily=Decimal(5)),
        )
    old.prompts.remember("prompt", "a lighthouse at dusk")
    old.prompts.save_preset("Dusk", '{"model": "kling-v3"}')
    old.drafts.save("browser-1", '{"prompt": "unsent"}')
    old.close()

    moved = Store(tmp_path, SCOPE, database_url=postgres_url)
    assert [r.run_id for r in moved.runs()] == ["r2", "r1", "r0"], "same runs, same order"
    assert moved.ledger.standing(Budget(daily=Decimal(5)), start).today == Decimal("1.26")
    assert moved.prompts.recent("prompt") == ["a lighthouse at dusk"]
    assert moved.prompts.preset("Dusk") == '{"model": "kling-v3"}'
    assert moved.drafts.load("browser-1") == '{"prompt": "unsent"}'
    folder = sorted(p.name for p in (tmp_path / SCOPE).iterdir())
    assert "runs.sqlite3" not in folder, "the file is set aside once imported"
    assert any(name.startswith("runs.sqlite3.imported-") for name in folder), "never deleted"

    again = Store(tmp_path, SCOPE, database_url=postgres_url)  # a restart, a second replica
    assert len(again.runs()) == 3 and len(again.ledger.entries()) == 3, "nothing doubled"
