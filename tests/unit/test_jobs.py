"""Jobs: submit once, reconcile what is unknown, track, download into the store, cancel."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from PIL import Image

from fake_modelhunter import FakeModelHunter, ManualClock
from modelhunter.client import Client
from modelhunter.requests import KlingV3Request, parse_request
from modelhunter.responses import TaskStatus
from playground.budget import committed
from playground.jobs import MAX_DOWNLOAD_ATTEMPTS, RECONCILE_WINDOW, Jobs, Upload
from playground.runs import Run
from playground.store import Store

KEY = "river_test_" + "j" * 32
Hook = Callable[[httpx.Request], httpx.Response | None]


@dataclass
class Net:
    """The wire between our client and the fake; tests hook into it."""

    fake: FakeModelHunter
    hooks: list[Hook] = field(default_factory=list)
    sent: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        for hook in list(self.hooks):
            response = hook(request)
            if response is not None:
                return response
        return self.fake.handle(request)

    def count(self, method: str, fragment: str) -> int:
        return sum(1 for r in self.sent if r.method == method and fragment in r.url.path)


@dataclass
class World:
    fake: FakeModelHunter
    clock: ManualClock
    net: Net
    root: Path

    def jobs(self) -> Jobs:
        """A session: its own client and store over the shared folder."""
        client = Client(
            KEY,
            base_url=self.fake.base_url,
            transport=httpx.MockTransport(self.net.handle),
            max_retries=1,
            sleep=lambda seconds: None,
        )
        return Jobs(client, Store(self.root, "key-jobs"), now=self.clock.now)

    def finish(self, jobs: Jobs, run: Run) -> Run:
        self.clock.advance(60)
        jobs.refresh([run])
        return run


@pytest.fixture
def world(fake_modelhunter, manual_clock, tmp_path) -> Iterator[World]:
    yield World(fake_modelhunter, manual_clock, Net(fake_modelhunter), tmp_path)


def _request(prompt: str = "waves rolling in", **extra: object) -> KlingV3Request:
    body = {
        "model": "kling-v3",
        "input": {"image": "https://example.com/sea.png", "prompt": prompt},
    }
    return parse_request({**body, **extra})  # type: ignore[return-value]


def _png(side: int = 256) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _on(method: str, fragment: str, action: Callable[[httpx.Request], httpx.Response | None]):
    def hook(request: httpx.Request) -> httpx.Response | None:
        if request.method == method and fragment in request.url.path:
            return action(request)
        return None

    return hook


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no reply", request=request)


def test_a_run_is_saved_before_the_post_and_carries_our_reference(world) -> None:
    jobs = world.jobs()
    seen: list[Run | None] = []

    def look_at_store(request: httpx.Request) -> None:
        ref = json.loads(request.content)["metadata"]["client_ref"]
        seen.append(jobs.store.get(ref))

    world.net.hooks.append(_on("POST", "/kling/", look_at_store))
    run = jobs.submit(_request())
    assert seen and seen[0] is not None and seen[0].phase == "submitting"
    assert seen[0].request.metadata == {"client_ref": run.run_id}
    assert run.phase == "tracking" and run.task is not None
    assert jobs.store.get(run.run_id) == run


def test_local_images_are_uploaded_and_kept(world) -> None:
    jobs = world.jobs()
    data = _png()
    upload = Upload(name="sea.png", content_type="image/png", data=data)
    run = jobs.submit(_request(), {"image": upload})
    assert run.phase == "tracking"
    assert run.request.input.image.startswith("https://cdn.modelhunter.ai/files/")
    image = run.images["image"]
    assert image.sha256 and jobs.store.image_path(image.sha256).read_bytes() == data


def test_a_lost_reply_after_acceptance_is_found_by_reference_not_resent(world) -> None:
    jobs = world.jobs()
    world.fake.faults.timeout_next(after_accept=True, match=("POST", "/kling"))
    run = jobs.submit(_request())
    assert run.phase == "tracking" and run.task is not None
    assert run.task.client_ref == run.run_id
    assert world.net.count("POST", "/kling/") == 1
    assert world.fake.task_count() == 1


def test_a_submit_that_may_have_arrived_is_never_declared_not_sent(world) -> None:
    """No reply proves nothing: the run stays "unknown — may have been charged", its price
    counted, until the task is found; automatic lookups pause after the window."""
    jobs = world.jobs()
    world.fake.faults.timeout_next(after_accept=False, match=("POST", "/kling"))
    run = jobs.submit(_request())
    assert run.phase == "unknown" and run.active
    world.clock.advance(RECONCILE_WINDOW.total_seconds() / 2)
    jobs.refresh([run])
    assert run.phase == "unknown" and run.active
    world.clock.advance(RECONCILE_WINDOW.total_seconds())
    jobs.refresh([run])
    assert run.phase == "unknown" and not run.active, "lookups pause, the run stays unknown"
    assert "may have been charged" in (run.error or "")
    assert "History" in (run.advice or "")
    assert committed(run) == run.price > 0
    assert world.net.count("POST", "/kling/") == 1
    lists_before = world.net.count("GET", "/tasks")
    jobs.check_again(run)
    assert run.active and world.net.count("GET", "/tasks") == lists_before + 1
    assert world.fake.task_count() == 0


def test_a_task_created_late_after_a_slow_upload_is_still_found(world) -> None:
    """The window starts at the first lookup, not at the click: a 40 s upload followed by an
    ambiguous POST must not be declared `not_sent` on the spot."""
    jobs = world.jobs()
    held: list[httpx.Request] = []

    def slow_put(request: httpx.Request) -> None:
        world.clock.advance(40)

    def hold(request: httpx.Request) -> httpx.Response:
        held.append(request)  # the gateway gave up; the backend will get to it later
        return httpx.Response(504, text="<html>Gateway Timeout</html>")

    world.net.hooks += [_on("PUT", "/uploads/", slow_put), _on("POST", "/kling/", hold)]
    upload = Upload(name="sea.png", content_type="image/png", data=_png())
    run = jobs.submit(_request(), {"image": upload})
    assert run.phase == "unknown", "not concluded before anyone could have seen the task"
    world.net.hooks.clear()
    world.fake.handle(held[0])  # the backend creates the task now
    world.clock.advance(5)
    jobs.refresh([run])
    assert run.phase == "tracking" and run.task is not None
    assert world.fake.task_count() == 1


def test_a_run_interrupted_mid_submit_is_reconciled_after_a_restart(world) -> None:
    class Crash(BaseException):
        pass

    def crash_after_sending(request: httpx.Request) -> httpx.Response:
        world.fake.handle(request)
        raise Crash

    world.net.hooks.append(_on("POST", "/kling/", crash_after_sending))
    with pytest.raises(Crash):
        world.jobs().submit(_request())
    world.net.hooks.clear()

    restarted = world.jobs()
    [run] = restarted.store.runs()
    assert run.phase == "submitting" and run.active
    restarted.refresh([run])
    assert run.phase == "tracking" and run.task is not None
    world.finish(restarted, run)
    assert restarted.store.video_path(run) is not None


def test_another_session_leaves_a_run_being_submitted_alone(world) -> None:
    jobs, other = world.jobs(), world.jobs()
    during: list[str] = []

    def poll_from_other_session(request: httpx.Request) -> None:
        [run] = other.store.runs()
        world.clock.advance(RECONCILE_WINDOW.total_seconds() * 2)
        other.refresh([run])
        during.append(run.phase)

    world.net.hooks.append(_on("POST", "/kling/", poll_from_other_session))
    run = jobs.submit(_request())
    assert during == ["submitting"]
    assert run.phase == "tracking"


def test_full_metadata_is_refused_in_plain_words_without_sending(world) -> None:
    jobs = world.jobs()
    run = jobs.submit(_request(metadata={f"k{i}": "v" for i in range(16)}))
    assert run.phase == "rejected"
    assert "16 metadata entries" in (run.error or "")
    assert "client_ref" in (run.advice or "")
    assert world.net.count("POST", "/kling/") == 0


def test_refusals_are_rejected_and_unreachable_is_not_sent(world) -> None:
    jobs = world.jobs()
    world.fake.faults.fail_next(429, retry_after=30, match=("POST", "/kling"))
    limited = jobs.submit(_request())
    assert (limited.phase, limited.error_code) == ("rejected", "RATE_LIMIT_EXCEEDED")
    assert "30" in (limited.advice or "")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    world.net.hooks.append(_on("POST", "/kling/", refuse))
    offline = jobs.submit(_request())
    assert offline.phase == "not_sent" and "no task was created" in (offline.error or "")
    world.net.hooks.clear()

    upload = Upload(name="tiny.png", content_type="image/png", data=_png(side=64))
    tiny = jobs.submit(_request(), {"image": upload})
    assert tiny.phase == "rejected" and tiny.error and tiny.advice
    assert world.fake.task_count() == 0


def test_upload_trouble_is_not_sent(world) -> None:
    jobs = world.jobs()
    world.fake.faults.fail_next(503, times=5, match=("POST", "/files/upload-url"))
    upload = Upload(name="sea.png", content_type="image/png", data=_png())
    run = jobs.submit(_request(), {"image": upload})
    assert run.phase == "not_sent"
    assert "Nothing was submitted or charged" in (run.error or "")
    assert world.net.count("POST", "/kling/") == 0


def test_the_video_is_downloaded_once_the_task_succeeds(world) -> None:
    jobs = world.jobs()
    run = jobs.submit(_request())
    world.clock.advance(3)
    jobs.refresh([run])
    assert run.status in ("queued", "running") and run.video_file is None
    world.finish(jobs, run)
    assert run.status == "succeeded" and not run.active
    video = jobs.store.video_path(run)
    assert video is not None and b"ftyp" in video.read_bytes()[:64]


def test_an_expired_link_is_signed_afresh(world) -> None:
    jobs = world.jobs()
    run = jobs.submit(_request())

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("network is unreachable", request=request)

    world.net.hooks.append(_on("GET", "/results/", offline))
    world.finish(jobs, run)
    assert run.status == "succeeded" and run.video_file is None and run.active
    world.net.hooks.clear()
    world.clock.advance(16 * 60)
    jobs.refresh([run])
    assert run.video_file is not None
    statuses = [r.status for r in world.fake.requests if r.path.startswith("/cdn/results/")]
    assert statuses[-2:] == [403, 200]


def test_passing_trouble_never_gives_up_a_paid_video(world) -> None:
    jobs = world.jobs()
    run = jobs.submit(_request())

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("network is unreachable", request=request)

    world.net.hooks.append(_on("GET", "/results/", offline))
    world.finish(jobs, run)
    for _ in range(MAX_DOWNLOAD_ATTEMPTS * 3):
        world.clock.advance(2)
        jobs.refresh([run])
        assert jobs.last_error
    assert run.video_error is None and run.active
    world.net.hooks.clear()
    jobs.refresh([run])
    assert run.video_file is not None and not run.active


def test_a_link_that_stays_refused_is_given_up_with_a_reason(world) -> None:
    jobs = world.jobs()
    run = jobs.submit(_request())
    world.net.hooks.append(_on("GET", "/results/", lambda r: httpx.Response(404)))
    world.finish(jobs, run)
    for _ in range(MAX_DOWNLOAD_ATTEMPTS):
        jobs.refresh([run])
    assert run.video_error and "could not be downloaded" in run.video_error
    assert not run.active


def test_a_broken_download_leaves_no_partial_file(world) -> None:
    jobs = world.jobs()
    run = jobs.submit(_request())

    def half_then_break(request: httpx.Request) -> httpx.Response:
        def chunks() -> Iterator[bytes]:
            yield b"\x00\x00\x00\x18ftypmp42" + b"x" * 1000
            raise httpx.ReadError("connection reset", request=request)

        return httpx.Response(200, content=chunks())

    world.net.hooks.append(_on("GET", "/results/", half_then_break))
    world.finish(jobs, run)
    assert run.video_file is None
    assert list(jobs.store.videos.iterdir()) == []
    world.net.hooks.clear()
    jobs.refresh([run])
    assert run.video_file is not None


def test_a_session_sees_what_another_session_did(world) -> None:
    first, second = world.jobs(), world.jobs()
    run = first.submit(_request())
    stale = second.store.get(run.run_id)
    assert stale is not None
    world.finish(first, run)
    downloads = world.net.count("GET", "/results/")
    second.refresh([stale])
    assert stale.video_file == run.video_file and not stale.active
    assert world.net.count("GET", "/results/") == downloads, "not downloaded twice"


def test_failed_generation_records_the_reason(world) -> None:
    jobs = world.jobs()
    run = world.finish(jobs, jobs.submit(_request("[fail] a storm")))
    assert run.status == "failed" and not run.active
    assert run.error and run.advice and run.error_code == "PROVIDER_ERROR"


def test_cancel_stops_a_running_task_and_a_finished_one_stays_finished(world) -> None:
    jobs = world.jobs()
    running = jobs.submit(_request())
    world.clock.advance(4)
    jobs.cancel(running)
    assert running.status == "cancelled" and not running.active

    done = world.finish(jobs, jobs.submit(_request()))
    world.fake.faults.fail_next(500, times=2, match=("POST", "/tasks/"))
    assert jobs.cancel(done).status == "succeeded"


def test_a_cancel_that_loses_the_race_shows_the_real_state(world) -> None:
    jobs = world.jobs()
    run = jobs.submit(_request())
    world.clock.advance(60)  # finished at the API; we have not polled yet
    jobs.cancel(run)
    assert run.task is not None and run.task.status == TaskStatus.SUCCEEDED
    assert jobs.last_error


def test_a_run_id_is_used_once_and_a_run_without_task_downloads_nothing(world) -> None:
    jobs = world.jobs()
    run = jobs.submit(_request(), run_id="run_fixed")
    with pytest.raises(ValueError, match="exists already"):
        jobs.submit(_request(), run_id="run_fixed")
    assert world.net.count("POST", "/kling/") == 1
    run.task = None
    assert jobs.download(run).video_file is None
