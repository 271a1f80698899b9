"""The Demo renderer is a small bounded queue: renders wait their turn with a position, and a
submit beyond the queue is refused with 429 before any task is made (nothing charged)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from fake_modelhunter import FakeModelHunter, ManualClock
from fake_modelhunter.videos import MAX_QUEUED_RENDERS, SYNTH_WORKERS, tiny_mp4

KEY = "river_test_" + "q" * 32
IMAGE = "https://images.example.com/a.png"


@pytest.fixture
def held() -> Iterator[threading.Event]:
    release = threading.Event()
    yield release
    release.set()


@pytest.fixture
def started() -> threading.Semaphore:
    return threading.Semaphore(0)


@pytest.fixture
def fake(held: threading.Event, started: threading.Semaphore) -> Iterator[FakeModelHunter]:
    def render(job: object) -> bytes:
        started.release()
        held.wait(timeout=60)  # renders are held until the test lets them go
        return tiny_mp4()

    service = FakeModelHunter(clock=ManualClock(), synthesize_videos=True, render=render)
    yield service
    service.close()


def _submit(api: httpx.Client) -> httpx.Response:
    body = {"model": "kling-v3", "input": {"image": IMAGE, "prompt": "waves"}}
    return api.post("/kling/image-to-video", json=body)


def test_waiting_renders_have_positions_and_a_full_queue_refuses_politely(
    fake, held, started
) -> None:
    api = httpx.Client(
        base_url=fake.base_url,
        transport=httpx.MockTransport(fake.handle),
        headers={"Authorization": f"Bearer {KEY}"},
    )
    ids = [_submit(api).json()["data"]["id"] for _ in range(SYNTH_WORKERS + MAX_QUEUED_RENDERS)]

    for _ in range(SYNTH_WORKERS):  # both workers have picked up a render
        assert started.acquire(timeout=30)
    positions = [fake.render_position(i) for i in ids]
    assert positions[:SYNTH_WORKERS] == [None] * SYNTH_WORKERS, "rendering, not waiting"
    assert positions[SYNTH_WORKERS:] == list(range(1, MAX_QUEUED_RENDERS + 1))

    refused = _submit(api)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert refused.headers["Retry-After"] == "10"
    assert fake.task_count() == len(ids), "nothing was created for the refused submit"

    held.set()
    fake.wait_for_renders(ids)
    assert all(fake.render_position(i) is None for i in ids)
    assert _submit(api).status_code == 202, "room again once the queue drained"
