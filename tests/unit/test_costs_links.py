"""Spend from the ledger (per day, model, batch; deleted runs still count), result links that
never carry a key, and presentation URLs."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

from playground.costs import NO_BATCH, by_group, cost_lines, lines_csv, total
from playground.curation import Curator
from playground.identity import workspace_scope
from playground.presentation import Selection, parse_selection, select_runs, selection_params, step
from playground.result_links import find_run, link_params, parse_link
from playground.settings import scope_for
from tests.unit.curated_runs import T0, finished_run

KEY = "river_live_" + "Q1w2E3r4" * 4


def test_costs_per_day_model_and_batch_with_totals_and_deleted_runs_still_counted(
    tmp_path, open_store
):
    store = open_store(tmp_path, "key-abc")
    finished_run(store, "run_a", "one", cost="0.40", batch_id="b1")
    finished_run(store, "run_b", "two", minutes=60 * 24, cost="0.30", batch_id="b1")
    running = finished_run(store, "run_c", "three", minutes=60 * 24 + 1, video=None)
    store.save(
        running.model_copy(
            update={
                "task": running.task.model_copy(update={"status": "running", "completed_at": None})
            }
        )
    )
    refused = finished_run(store, "run_d", "four", video=None)
    store.save(refused.model_copy(update={"phase": "rejected", "task": None}))
    Curator(store, {}, lambda: T0 + timedelta(days=9)).delete("run_a")
    Curator(store, {}, lambda: T0 + timedelta(days=30)).purge()  # run_a is gone for good

    runs = {r.run_id: r for r in store.runs()}
    lines = cost_lines(store.ledger.entries(), runs, live=True, tz=UTC, batch_names={"b1": "B 1"})
    assert [ln.run_id for ln in lines] == ["run_a", "run_b", "run_c"], "refused: never charged"
    overall = total(lines)
    assert (overall.runs, overall.estimated) == (3, Decimal("1.26"))
    assert overall.charged == Decimal("0.70") and overall.in_progress == Decimal("0.42")
    days = {r.group: r for r in by_group(lines, lambda ln: ln.day)}
    assert days["2026-03-14"].charged == Decimal("0.40")
    assert days["2026-03-15"].charged == Decimal("0.30")
    models = {r.group: r.runs for r in by_group(lines, lambda ln: ln.model)}
    assert models == {"(deleted run)": 1, "kling-v3": 2}
    batches = {r.group: r.estimated for r in by_group(lines, lambda ln: ln.batch)}
    assert batches == {
        "(deleted run)": Decimal("0.42"),
        "B 1": Decimal("0.42"),
        NO_BATCH: Decimal("0.42"),
    }
    text = lines_csv(lines)
    assert text.splitlines()[-1] == "Total,,,,3 runs,1.26,0.70,0.42"

    demo = cost_lines(store.ledger.entries(), runs, live=False, tz=UTC)
    assert total(demo).charged == 0 and total(demo).estimated == Decimal("1.26")


def test_a_result_link_never_carries_a_key_and_finds_the_run_in_its_workspace(tmp_path, open_store):
    visitor = workspace_scope("demo", "a" * 32)
    own = open_store(tmp_path, visitor)
    finished_run(own, "run_a", "gulls")
    params = link_params("run_a", visitor)
    assert params == {"run": "run_a", "ws": visitor}

    stranger = open_store(tmp_path, workspace_scope("demo", "b" * 32))  # a fresh browser
    found = find_run(parse_link(params), stranger.dir.name, stranger, tmp_path)
    assert found is not None and found[0].prompt == "gulls" and found[1].dir == own.dir

    keyed = scope_for(KEY)
    assert link_params("run_a", keyed) == {"run": "run_a"}, "a key's workspace is never named"
    forged = parse_link({"run": "run_a", "ws": keyed})
    assert forged.workspace is None, "a link can't point into a key's workspace"
    assert parse_link({"run": "run_a", "ws": "../../etc"}).workspace is None
    assert parse_link({"run": "../x"}) is None and parse_link({}) is None
    missing = parse_link({"run": "run_a", "ws": workspace_scope("demo", "c" * 32)})
    assert find_run(missing, stranger.dir.name, stranger, tmp_path) is None
    assert not (tmp_path / missing.workspace).exists(), "nothing is created for a link"
    Curator(own, {}, lambda: T0).delete("run_a")
    assert find_run(parse_link(params), stranger.dir.name, stranger, tmp_path) is None


def test_a_presentation_url_names_its_selection_and_picks_playable_runs(tmp_path, open_store):
    store = open_store(tmp_path, "demo")
    finished_run(store, "run_a", "a", minutes=2, starred=True)
    finished_run(store, "run_b", "b", minutes=1, starred=True, batch_id="b1")
    finished_run(store, "run_c", "c", starred=True, video=None)
    finished_run(store, "run_d", "d", minutes=3, batch_id="b1", hidden=True)
    runs = store.runs()
    starred = parse_selection(selection_params(Selection(kind="starred", grid=2)))
    assert starred.grid == 2
    assert [r.run_id for r in select_runs(starred, runs)] == ["run_b", "run_a"], "oldest first"
    batch = parse_selection({"batch": "b1"})
    assert [r.run_id for r in select_runs(batch, runs)] == ["run_b", "run_d"]
    picked = parse_selection(selection_params(Selection(kind="runs", run_ids=("run_d", "run_a"))))
    assert [r.run_id for r in select_runs(picked, runs)] == ["run_d", "run_a"]
    assert parse_selection({"grid": "9"}).grid == 1
    assert [step(0, -1, 3), step(2, 1, 3), step(1, 2, 3)] == [2, 0, 0]
