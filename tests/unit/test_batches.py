"""Variation batches: combinations and prices, refusals with reasons, the all-or-nothing
reservation, concurrent submits that wait out a 429 and never send a combination twice."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from fake_modelhunter import FakeModelHunter, ManualClock
from modelhunter.client import Client
from modelhunter.pricing import quote
from playground.batch_book import batch_totals, totals_by_batch
from playground.batch_runner import RateGate, send_batch
from playground.batches import MAX_COMBINATIONS, Variations, plan_batch, split_lines
from playground.budget import Budget, BudgetExceededError
from playground.draft import Draft, ImageChoice
from playground.jobs import Jobs

if TYPE_CHECKING:
    from tests.conftest import StoreOpener

KEY = "river_live_" + "b" * 32
IMAGE = ImageChoice(kind="url", name="sea.png", url="https://example.com/sea.png")


def _draft(**values: object) -> Draft:
    return Draft(
        model="kling-v3",
        values={"input.prompt": "waves", **{f"input.{k}": v for k, v in values.items()}},
        images={"image": IMAGE},
    )


class Wire:
    """Counts what reaches the fake; can answer the first submits with 429."""

    def __init__(self, fake: FakeModelHunter, throttled: int = 0, retry_after: str = "3") -> None:
        self.fake = fake
        self.throttled = throttled
        self.retry_after = retry_after
        self.lock = threading.Lock()
        self.submits: list[bytes] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/kling/image-to-video"):
            with self.lock:
                if self.throttled:
                    self.throttled -= 1
                    body = {"success": False, "error": {"code": "RATE_LIMIT_EXCEEDED"}}
                    return httpx.Response(429, json=body, headers={"Retry-After": self.retry_after})
                self.submits.append(request.content)
        return self.fake.handle(request)


def _jobs(
    fake: FakeModelHunter, clock: ManualClock, root: Path, wire: Wire, open_store: StoreOpener
) -> Jobs:
    client = Client(
        KEY,
        base_url=fake.base_url,
        transport=httpx.MockTransport(wire.handle),
        sleep=lambda s: None,
    )
    return Jobs(client, open_store(root, "key-batch"), now=clock.now)


def test_three_prompts_by_two_modes_make_six_priced_combinations() -> None:
    plan = plan_batch(
        _draft(duration=5),
        Variations(prompts=split_lines("a\n b \n\nc"), modes=["std", "pro"]),
    )
    assert len(plan.combinations) == 6 and not plan.refused
    assert [c.settings for c in plan.combinations[:2]] == [
        {"Prompt": "a", "Mode": "Standard"},
        {"Prompt": "a", "Mode": "Pro"},
    ]
    expected = sum((quote(c.request).total for c in plan.accepted), Decimal(0))
    assert plan.total == expected > 0
    assert plan.varied == ["Prompt", "Mode"]


def test_combinations_the_api_would_refuse_are_listed_with_a_reason_and_not_priced() -> None:
    plan = plan_batch(
        _draft(duration=7), Variations(models=["kling-v3", "kling-v2-6"], sounds=["off", "on"])
    )
    refused = {tuple(c.settings.values()): c.refusal for c in plan.refused}
    assert refused == {
        ("kling-v2-6", "5 s (form: 7 s)", "On"): "Sound On needs Mode: Pro on kling-v2-6."
    }
    # every row shows every column, in the form's order; the v3 rows keep the form's 7 s
    assert plan.columns == ["Model", "Duration", "Sound"]
    assert [c.settings["Duration"] for c in plan.combinations] == ["7 s", "7 s"] + [
        "5 s (form: 7 s)"
    ] * 2
    # the form's 7 s becomes v2.6's nearest duration, as switching model in the form does
    v26 = next(c for c in plan.accepted if c.draft.model == "kling-v2-6")
    assert v26.settings["Duration"] == "5 s (form: 7 s)" and v26.request.input.duration == 5
    assert len(plan.accepted) == 3
    assert plan.total == sum((c.price for c in plan.accepted), Decimal(0))


def test_a_setting_the_model_changes_is_shown_in_every_row_with_the_form_s_value() -> None:
    plan = plan_batch(
        _draft(duration=5, sound="on", mode="std"),
        Variations(prompts=["a", "b"], models=["kling-v3", "kling-v2-6"]),
    )
    assert plan.columns == ["Prompt", "Model", "Sound"]
    assert [list(c.settings) for c in plan.combinations] == [plan.columns] * 4
    assert [c.settings["Sound"] for c in plan.combinations] == ["On", "Off (form: On)"] * 2


def test_takes_repeat_each_combination_and_too_many_combinations_are_refused() -> None:
    plan = plan_batch(_draft(), Variations(takes=3))
    assert [c.settings for c in plan.combinations] == [{"Take": "1"}, {"Take": "2"}, {"Take": "3"}]
    with pytest.raises(ValueError, match=str(MAX_COMBINATIONS)):
        plan_batch(
            _draft(), Variations(prompts=[str(n) for n in range(9)], modes=["std", "pro"], takes=2)
        )


def test_a_batch_sends_each_combination_once_with_its_own_reference(
    fake_modelhunter: FakeModelHunter,
    manual_clock: ManualClock,
    tmp_path: Path,
    open_store: StoreOpener,
) -> None:
    wire = Wire(fake_modelhunter, throttled=2)
    jobs = _jobs(fake_modelhunter, manual_clock, tmp_path, wire, open_store)
    waited: list[float] = []
    gate = RateGate(
        sleep=lambda s: (waited.append(s), manual_clock.advance(s)),
        clock=lambda: manual_clock.now().timestamp(),
    )
    plan = plan_batch(_draft(), Variations(prompts=["a", "b", "c"], modes=["std", "pro"]))
    batch, runs = send_batch(jobs, plan, lambda i: {}, budget=None, gate=gate)

    refs = [json.loads(body)["metadata"]["client_ref"] for body in wire.submits]
    assert len(refs) == 6 and len(set(refs)) == 6  # two 429s were sent again, nothing twice
    assert sorted(refs) == sorted(i.run_id for i in batch.items)
    assert fake_modelhunter.task_count() == 6
    assert waited and max(waited) <= 3  # Retry-After: 3 was waited out, not more
    assert {r.phase for r in runs} == {"tracking"} and {r.batch_id for r in runs} == {
        batch.batch_id
    }
    stored = jobs.store.batches.get(batch.batch_id)
    assert stored is not None and stored.state == "sent" and stored.total == plan.total
    totals = batch_totals(stored, jobs.store.runs())
    assert (totals.runs, totals.finished, totals.spent) == (6, 0, plan.total)
    assert totals_by_batch([stored], jobs.store.runs())[batch.batch_id] == totals


def test_a_live_batch_over_budget_reserves_and_sends_nothing(
    fake_modelhunter: FakeModelHunter,
    manual_clock: ManualClock,
    tmp_path: Path,
    open_store: StoreOpener,
) -> None:
    wire = Wire(fake_modelhunter)
    jobs = _jobs(fake_modelhunter, manual_clock, tmp_path, wire, open_store)
    plan = plan_batch(_draft(duration=10), Variations(prompts=["a", "b", "c"], modes=["pro"]))
    budget = Budget(daily=plan.total - Decimal("0.01"))
    with pytest.raises(BudgetExceededError, match=r"^This batch \(\$"):
        send_batch(jobs, plan, lambda i: {}, budget=budget)
    assert wire.submits == [] and jobs.store.runs() == [] and jobs.store.batches.all() == []
    assert jobs.store.ledger.standing(budget, manual_clock.now()).today == 0

    enough = Budget(daily=plan.total)
    batch, _ = send_batch(jobs, plan, lambda i: {}, budget=enough)
    assert len(wire.submits) == 3
    assert jobs.store.ledger.standing(enough, manual_clock.now()).today == plan.total
    with pytest.raises(BudgetExceededError):  # the next batch does not fit what is left
        send_batch(jobs, plan_batch(_draft(), Variations()), lambda i: {}, budget=enough)
    assert len(wire.submits) == 3 and len(batch.items) == 3


def test_two_sessions_cannot_both_reserve_the_last_dollars(
    fake_modelhunter: FakeModelHunter,
    manual_clock: ManualClock,
    tmp_path: Path,
    open_store: StoreOpener,
) -> None:
    plan = plan_batch(_draft(duration=5), Variations(prompts=["a", "b"]))
    budget = Budget(daily=plan.total * 3 / 2)  # room for one batch and a half
    outcomes: list[str] = []

    def session() -> None:
        jobs = _jobs(fake_modelhunter, manual_clock, tmp_path, Wire(fake_modelhunter), open_store)
        try:
            send_batch(
                jobs,
                plan_batch(_draft(duration=5), Variations(prompts=["a", "b"])),
                lambda i: {},
                budget=budget,
            )
            outcomes.append("sent")
        except BudgetExceededError:
            outcomes.append("refused")

    threads = [threading.Thread(target=session) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "sent"]
    assert fake_modelhunter.task_count() == 2
