"""Jobs against each of the offline ModelHunter's realistic deviations, one at a time.

Every deviation is something a real API (or a proxy in front of it) may do although the docs
say otherwise. Through the real `Jobs`/`Client` code, each run must still be tracked to its
video, never submitted twice, and never called "not sent" when it may exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from fake_modelhunter import FakeModelHunter, ManualClock
from fake_modelhunter.deviations import Deviations
from modelhunter.client import Client
from modelhunter.requests import KlingV3Request, parse_request
from playground.budget import committed
from playground.jobs import Jobs
from playground.runs import Run
from playground.store import Store

KEY = "river_test_" + "d3v1" * 8


@pytest.fixture
def fake(manual_clock) -> Iterator[FakeModelHunter]:
    service = FakeModelHunter(clock=manual_clock, synthesize_videos=False)
    yield service
    service.close()


def _jobs(fake: FakeModelHunter, clock: ManualClock, root: Path, **client: object) -> Jobs:
    api = Client(
        KEY,
        base_url=fake.base_url,
        transport=httpx.MockTransport(fake.handle),
        sleep=lambda seconds: None,
        **client,  # type: ignore[arg-type]
    )
    return Jobs(api, Store(root, "key-deviations"), now=clock.now)


def _request() -> KlingV3Request:
    body = {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": "dusk"}}
    return parse_request(body)  # type: ignore[return-value]


def _to_the_end(jobs: Jobs, clock: ManualClock, run: Run) -> list[str]:
    seen: list[str] = []
    for _ in range(40):
        clock.advance(3)
        jobs.refresh([run])
        seen.append(run.status)
        if not run.active:
            break
    return seen


def _created(fake: FakeModelHunter) -> int:
    return fake.task_count()


SHAPES = [
    pytest.param(Deviations(extra_fields=True), id="unknown-fields"),
    pytest.param(Deviations(unknown_statuses=True), id="unknown-status-words"),
    pytest.param(Deviations(list_without_metadata=True), id="list-without-metadata"),
    pytest.param(Deviations(naive_timestamps=True), id="naive-timestamps"),
    pytest.param(Deviations(submit_status=200), id="submit-200"),
    pytest.param(Deviations(submit_status=201), id="submit-201"),
    pytest.param(Deviations(no_estimated_seconds=True), id="no-estimated-seconds"),
    pytest.param(Deviations(numbers_as_strings=True), id="numbers-as-strings"),
    pytest.param(Deviations(soft_error_every=3), id="success-false-with-200"),
    pytest.param(Deviations(proxy_error_every=4), id="html-502-from-a-proxy"),
    pytest.param(Deviations(proxy_error_every=4, proxy_error_body="empty"), id="empty-502"),
]


@pytest.mark.parametrize("deviation", SHAPES)
def test_each_deviation_still_ends_in_one_downloaded_video(
    fake, manual_clock, tmp_path, deviation: Deviations
) -> None:
    fake.deviations = deviation
    jobs = _jobs(fake, manual_clock, tmp_path)

    run = jobs.submit(_request())
    if run.phase == "unknown":  # a proxy's 502 on the submit itself: found by reference
        jobs.refresh([run])
    _to_the_end(jobs, manual_clock, run)

    assert run.status == "succeeded", (run.status, run.error, jobs.last_error)
    assert jobs.store.video_path(run) is not None
    assert run.task is not None and run.task.created_at.tzinfo is not None
    assert committed(run) == Decimal("0.42")
    assert _created(fake) == 1, "one task for one click"


def test_unknown_status_words_are_seen_as_progress_and_logged(fake, manual_clock, tmp_path) -> None:
    fake.deviations = Deviations(unknown_statuses=True, extra_fields=True)
    jobs = _jobs(fake, manual_clock, tmp_path)
    run = jobs.submit(_request())

    seen = _to_the_end(jobs, manual_clock, run)

    assert "moderation" in seen or "processing" in seen, seen
    assert jobs.last_error is None
    records = jobs.client.calls.records()
    assert any(r.unknown_statuses for r in records)
    assert any("x_region" in r.unknown_fields for r in records)


def test_a_slow_submit_with_list_items_without_metadata_is_found(
    fake, manual_clock, tmp_path
) -> None:
    """The issue's case: the reply comes after the read timeout, the list omits metadata."""
    fake.deviations = Deviations(slow_submit_s=90, list_without_metadata=True)
    jobs = _jobs(fake, manual_clock, tmp_path, submit_timeout=60)

    run = jobs.submit(_request())

    assert run.phase == "tracking" and run.task is not None
    assert "never reached" not in (run.error or "")
    _to_the_end(jobs, manual_clock, run)
    assert jobs.store.video_path(run) is not None and committed(run) == Decimal("0.42")
    assert _created(fake) == 1


def test_without_metadata_anywhere_the_task_is_offered_never_adopted(
    fake, manual_clock, tmp_path
) -> None:
    fake.deviations = Deviations(
        slow_submit_s=90, list_without_metadata=True, get_without_metadata=True
    )
    jobs = _jobs(fake, manual_clock, tmp_path, submit_timeout=60)

    run = jobs.submit(_request())

    assert run.phase == "unknown" and run.task is None
    assert committed(run) == run.price
    [candidate] = run.candidates
    jobs.adopt_candidate(run, candidate.id)
    _to_the_end(jobs, manual_clock, run)
    assert jobs.store.video_path(run) is not None


def test_a_submit_slower_than_the_configured_timeout_is_simply_waited_for(
    fake, manual_clock, tmp_path
) -> None:
    fake.deviations = Deviations(slow_submit_s=30)
    jobs = _jobs(fake, manual_clock, tmp_path)  # default submit timeout: 60 s

    run = jobs.submit(_request())

    assert run.phase == "tracking" and run.error is None
