"""Jobs against an API that deviates from its docs in realistic ways (contract §12).

Each test bends the offline ModelHunter's replies on the wire (as a proxy or a newer API
version would) and checks what the user would see: the run keeps moving, its video arrives,
and a submit whose outcome is unknown is never called "not sent" or "not charged".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from fake_modelhunter import FakeModelHunter, ManualClock
from modelhunter.client import Client
from modelhunter.requests import KlingV3Request, parse_request
from modelhunter.responses import TaskStatus
from playground.budget import committed
from playground.jobs import RECONCILE_WINDOW, Jobs
from playground.runs import Run
from playground.store import Store

KEY = "river_test_" + "t" * 32
Rewrite = Callable[[httpx.Request, Any], Any]


@dataclass
class Proxy:
    """Sits between our client and the fake; rewrites JSON replies of matching requests."""

    fake: FakeModelHunter
    rewrites: list[tuple[str, str, Rewrite]] = field(default_factory=list)
    slow_submit: bool = False
    replace_submit: httpx.Response | None = None
    swallow_submit: bool = False
    sent: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        submit = request.method == "POST" and "/kling/" in request.url.path
        if submit and self.swallow_submit and self.replace_submit is not None:
            return self.replace_submit  # the backend never saw it
        response = self.fake.handle(request)
        if submit and self.replace_submit is not None:
            return self.replace_submit  # a gateway's page, although the task was created
        if submit and self.slow_submit:
            # The task is created, but the reply comes after the client gave up.
            raise httpx.ReadTimeout("no reply in time", request=request)
        for method, fragment, rewrite in self.rewrites:
            if request.method == method and fragment in request.url.path:
                response.read()
                body = rewrite(request, json.loads(response.content))
                headers = {"content-type": "application/json"}
                return httpx.Response(response.status_code, json=body, headers=headers)
        return response

    def count(self, method: str, fragment: str) -> int:
        return sum(1 for r in self.sent if r.method == method and fragment in r.url.path)


@dataclass
class World:
    fake: FakeModelHunter
    clock: ManualClock
    proxy: Proxy
    root: Path

    def jobs(self) -> Jobs:
        client = Client(
            KEY,
            base_url=self.fake.base_url,
            transport=httpx.MockTransport(self.proxy.handle),
            max_retries=0,
            sleep=lambda seconds: None,
        )
        return Jobs(client, Store(self.root, "key-tolerant"), now=self.clock.now)

    def run_to_the_end(self, jobs: Jobs, run: Run, *, steps: int = 30) -> list[str]:
        """Poll every 5 s (fake time) until the run is done; the statuses seen on the way."""
        seen: list[str] = []
        for _ in range(steps):
            self.clock.advance(5)
            jobs.refresh([run])
            seen.append(run.status)
            if not run.active:
                break
        return seen


@pytest.fixture
def world(fake_modelhunter, manual_clock, tmp_path) -> Iterator[World]:
    yield World(fake_modelhunter, manual_clock, Proxy(fake_modelhunter), tmp_path)


def _request(prompt: str = "a lighthouse at dusk") -> KlingV3Request:
    body = {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": prompt}}
    return parse_request(body)  # type: ignore[return-value]


def _tasks(body: Any) -> list[dict[str, Any]]:
    data = body.get("data")
    return data if isinstance(data, list) else [data] if isinstance(data, dict) else []


def _without_metadata(request: httpx.Request, body: Any) -> Any:
    for task in _tasks(body):
        task.pop("metadata", None)
    return body


def _naive_timestamps(request: httpx.Request, body: Any) -> Any:
    for task in _tasks(body):
        for name in ("created_at", "started_at", "completed_at"):
            if isinstance(task.get(name), str):
                task[name] = task[name].replace("Z", "").replace("+00:00", "")
    return body


_WORDS = {"queued": "moderation", "running": "processing"}


def _new_status_words(request: httpx.Request, body: Any) -> Any:
    for task in _tasks(body):
        task["status"] = _WORDS.get(task.get("status"), task.get("status"))
        task["x_region"] = "eu-2"  # and a field nobody documented
    return body


def test_a_slow_submit_whose_list_items_lack_metadata_is_found_and_counted(world) -> None:
    """The issue's worst case: the task exists and succeeds while the reply timed out and the
    list does not echo `metadata`. It must be found (by fetching candidates), never "not sent"."""
    world.proxy.slow_submit = True
    world.proxy.rewrites.append(("GET", "/tasks", _list_only(_without_metadata)))
    jobs = world.jobs()

    run = jobs.submit(_request())

    assert run.phase == "tracking" and run.task is not None
    assert run.task.client_ref == run.run_id
    assert world.proxy.count("POST", "/kling/") == 1
    assert world.fake.task_count() == 1
    world.run_to_the_end(jobs, run)
    assert run.status == "succeeded" and jobs.store.video_path(run) is not None
    assert committed(run) == run.task.cost == Decimal("0.42")


def _list_only(rewrite: Rewrite) -> Rewrite:
    def only_lists(request: httpx.Request, body: Any) -> Any:
        return rewrite(request, body) if request.url.path.endswith("/tasks") else body

    return only_lists


def test_a_task_that_never_shows_our_reference_is_offered_not_adopted(world) -> None:
    world.proxy.slow_submit = True
    world.proxy.rewrites.append(("GET", "/tasks", _without_metadata))
    jobs = world.jobs()

    run = jobs.submit(_request())

    assert run.phase == "unknown" and run.task is None, "no proof: not adopted silently"
    assert "may have been charged" in (run.error or "")
    assert committed(run) == run.price
    [candidate] = run.candidates
    jobs.adopt_candidate(run, candidate.id)
    assert run.phase == "tracking" and run.task is not None and run.task.id == candidate.id
    assert not run.candidates and run.error is None
    world.run_to_the_end(jobs, run)
    assert jobs.store.video_path(run) is not None


def test_a_candidate_already_tracked_by_another_run_is_not_offered(world) -> None:
    world.proxy.rewrites.append(("GET", "/tasks", _without_metadata))
    jobs = world.jobs()
    first = jobs.submit(_request("first"))
    assert first.phase == "tracking"
    world.proxy.slow_submit = True

    world.clock.advance(1)
    second = jobs.submit(_request("second"))

    assert second.phase == "unknown"
    every = [t.id for t in jobs.client.iter_tasks()]
    assert len(every) == 2
    assert [t.id for t in second.candidates] == [t for t in every if t != first.task_id]


def test_a_502_html_page_on_submit_is_unknown_then_found_not_never_reached(world) -> None:
    """A proxy's HTML 502 after the backend created the task: looked up, found, tracked."""
    html = httpx.Response(502, text="<html><body>502 Bad Gateway</body></html>")
    world.proxy.replace_submit = html
    jobs = world.jobs()

    run = jobs.submit(_request())

    assert run.phase == "tracking" and run.task is not None
    assert run.task.client_ref == run.run_id
    assert "never reached" not in (run.error or "")
    assert world.proxy.count("POST", "/kling/") == 1


def test_a_502_when_nothing_can_be_found_stays_unknown_with_its_price(world) -> None:
    world.proxy.replace_submit = httpx.Response(502, text="")
    world.proxy.swallow_submit = True
    jobs = world.jobs()

    run = jobs.submit(_request())

    assert run.phase == "unknown" and "never reached" not in (run.error or "")
    assert committed(run) == run.price


def test_new_status_words_and_fields_keep_the_run_moving(world) -> None:
    world.proxy.rewrites.append(("GET", "/tasks", _new_status_words))
    jobs = world.jobs()
    run = jobs.submit(_request())

    seen = world.run_to_the_end(jobs, run)

    assert {"moderation", "processing"} & set(seen), seen
    assert jobs.last_error is None
    assert run.status == "succeeded" and jobs.store.video_path(run) is not None
    assert run.task is not None and run.task.status is TaskStatus.SUCCEEDED


def test_timestamps_without_timezone_are_utc(world) -> None:
    world.proxy.rewrites.append(("GET", "/tasks", _naive_timestamps))
    world.proxy.rewrites.append(("POST", "/kling/", _naive_timestamps))
    jobs = world.jobs()
    run = jobs.submit(_request())

    world.run_to_the_end(jobs, run)

    direct = Client(
        KEY, base_url=world.fake.base_url, transport=httpx.MockTransport(world.fake.handle)
    )
    assert run.task is not None and run.task.created_at.tzinfo is not None
    assert run.task.created_at == direct.get_task(run.task.id).created_at
    assert jobs.store.video_path(run) is not None


def test_one_unreadable_item_does_not_hide_the_others(world) -> None:
    jobs = world.jobs()
    runs = [jobs.submit(_request(f"run {i}")) for i in range(3)]
    broken = runs[1].task_id

    def break_one(request: httpx.Request, body: Any) -> Any:
        for task in _tasks(body):
            if task.get("id") == broken:
                task["created_at"] = "yesterday-ish"
        return body

    world.proxy.rewrites.append(("GET", "/tasks", break_one))
    for _ in range(12):
        world.clock.advance(5)
        jobs.refresh(runs)
    assert runs[0].status == runs[2].status == "succeeded"
    assert jobs.store.video_path(runs[0]) and jobs.store.video_path(runs[2])


def test_a_submit_reply_with_only_an_id_is_a_created_task(world) -> None:
    def bare(request: httpx.Request, body: Any) -> Any:
        return {"success": True, "data": {"id": body["data"]["id"], "status": 7}}

    world.proxy.rewrites.append(("POST", "/kling/", bare))
    jobs = world.jobs()
    run = jobs.submit(_request())
    assert run.phase == "tracking" and run.task is not None
    assert run.estimated_seconds is None and run.task.model == "kling-v3"
    world.proxy.rewrites.clear()
    world.run_to_the_end(jobs, run)
    assert jobs.store.video_path(run) is not None


def test_the_lookup_window_ends_in_a_pause_not_a_verdict(world) -> None:
    world.proxy.slow_submit = True
    world.fake.faults.timeout_next(after_accept=False, match=("POST", "/kling"))
    jobs = world.jobs()
    run = jobs.submit(_request())
    world.clock.advance(RECONCILE_WINDOW.total_seconds() + 1)
    jobs.refresh([run])
    assert run.phase == "unknown" and run.lookups_paused and not run.active
    assert committed(run) == run.price
