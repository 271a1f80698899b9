"""Sending a batch: reserved all or nothing, then submitted concurrently, each run once.

1. With a budget (Live), the whole total is reserved in one `BEGIN IMMEDIATE` transaction
   (`Ledger.reserve_many`): either every combination fits, or nothing is reserved or sent.
2. The batch is saved (state `sending`) with the run id of every combination.
3. At most `WORKERS` submits run at a time, each through `Jobs.submit` with its own run id
   (= `metadata.client_ref`), so each is reconciled on its own if its answer is lost. A 429
   means the API created nothing: that combination waits out `Retry-After` (every worker
   waits with it: the limit is the key's) and is sent again with the same reference; it is
   never sent twice otherwise.
4. Reservations of combinations that were never saved (an unexpected error) are released.

Thread safety: `httpx.Client` and the client's call log are thread-safe, and every store
write goes through the store's lock and an SQLite transaction, so the workers share the
session's client and store.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from modelhunter.client import Client
from modelhunter.errors import RateLimitError
from modelhunter.responses import SubmitAck
from modelhunter.retries import MAX_RETRY_AFTER
from playground.batch_book import Batch, BatchItem, RefusedItem
from playground.batches import BatchPlan
from playground.budget import Budget
from playground.jobs import Jobs, Upload, new_run_id
from playground.runs import Run

__all__ = ["MAX_RATE_LIMIT_WAITS", "WORKERS", "RateGate", "send_batch"]

WORKERS = 4
MAX_RATE_LIMIT_WAITS = 5  # per combination; then it is shown as refused (rate limited)
DEFAULT_WAIT_S = 2.0  # a 429 without Retry-After


class RateGate:
    """When the next submit may start, shared by the workers of one batch."""

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._open_at = 0.0

    def wait(self) -> None:
        """Block until the gate is open."""
        while True:
            with self._lock:
                left = self._open_at - self._clock()
            if left <= 0:
                return
            self._sleep(left)

    def hold(self, seconds: float) -> None:
        """Close the gate for `seconds` from now (a later reopening wins)."""
        with self._lock:
            self._open_at = max(self._open_at, self._clock() + seconds)


class _GatedClient:
    """The session's client, whose submits pass the gate and wait out a 429."""

    def __init__(self, client: Client, gate: RateGate) -> None:
        self._client = client
        self._gate = gate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def submit(self, request: Any) -> SubmitAck:
        waits = 0
        while True:
            self._gate.wait()
            try:
                return self._client.submit(request)
            except RateLimitError as exc:  # refused: nothing was created, safe to send again
                waits += 1
                if waits > MAX_RATE_LIMIT_WAITS:
                    raise
                self._gate.hold(min(exc.retry_after or DEFAULT_WAIT_S, MAX_RETRY_AFTER))


def new_batch_id() -> str:
    return "batch_" + secrets.token_hex(6)


def send_batch(
    jobs: Jobs,
    plan: BatchPlan,
    uploads: Callable[[int], dict[str, Upload]],
    *,
    budget: Budget | None,
    workers: int = WORKERS,
    gate: RateGate | None = None,
) -> tuple[Batch, list[Run]]:
    """Reserve (with `budget`), save and submit every accepted combination of `plan`.

    `uploads(index)` gives the local images to upload for combination `index`.

    Raises:
        BudgetExceededError: the total does not fit the budget; nothing was reserved or sent.
        ValueError: the plan has nothing to send.
    """
    accepted = plan.accepted
    if not accepted:
        raise ValueError("Every combination is refused: nothing to send.")
    now = jobs.now()
    ids = {c.index: new_run_id() for c in accepted}
    if budget is not None:
        holds = [
            Run(run_id=ids[c.index], created_at=now, request=c.request, price=c.price or 0)
            for c in accepted
        ]
        jobs.store.ledger.reserve_many(holds, budget)
    batch = Batch(
        batch_id=new_batch_id(),
        created_at=now,
        varied=plan.varied,
        items=[
            BatchItem(index=c.index, settings=c.settings, run_id=ids[c.index], price=c.price or 0)
            for c in accepted
        ],
        refused=[RefusedItem(settings=c.settings, reason=c.refusal or "") for c in plan.refused],
        total=plan.total,
    )
    jobs.store.batches.save(batch)
    gated = Jobs(_GatedClient(jobs.client, gate or RateGate()), jobs.store, now=jobs.now)  # type: ignore[arg-type]

    def one(index: int) -> Run:
        combo = next(c for c in accepted if c.index == index)
        assert combo.request is not None
        return gated.submit(
            combo.request, uploads(index), run_id=ids[index], batch_id=batch.batch_id
        )

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="batch") as pool:
            runs = list(pool.map(one, [c.index for c in accepted]))
    finally:
        jobs.store.ledger.release_unsent(list(ids.values()))
        batch.state = "sent"
        jobs.store.batches.save(batch)
        if gated.last_error:
            jobs.last_error = gated.last_error
    return batch, runs
