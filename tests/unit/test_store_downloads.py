"""A full disk never abandons a paid video; Recover and Retry download clear old errors.

The full disk is real when this machine lets the test mount a tiny tmpfs (as root); where it
can't, the same test runs on a `Disk` that answers ENOSPC the way a full disk does.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest

from modelhunter.client import Client
from modelhunter.requests import parse_request
from playground.disk import Disk
from playground.history import recover
from playground.jobs import MAX_DOWNLOAD_ATTEMPTS, Jobs
from playground.runs import Run
from playground.store import Store

KEY = "river_test_" + "d" * 32


class _FullWriter:
    """A file on a disk with no room left: every write fails with ENOSPC."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)

    def __enter__(self) -> _FullWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


class _SeamDisk(Disk):
    """The store's disk with a switch: full or not."""

    full = False

    def create_temp(self, folder: Path, suffix: str) -> tuple[BinaryIO, Path]:
        handle, path = super().create_temp(folder, suffix)
        return (_FullWriter(handle) if self.full else handle), path  # type: ignore[return-value]


@dataclass
class SmallDisk:
    """A store whose videos folder can be filled up and freed again."""

    root: Path
    disk: Disk
    fill: Callable[[], None]
    free: Callable[[], None]
    real: bool


def _seam(root: Path) -> SmallDisk:
    disk = _SeamDisk()
    return SmallDisk(
        root, disk, lambda: setattr(disk, "full", True), lambda: setattr(disk, "full", False), False
    )


@pytest.fixture(params=["tmpfs", "seam"])
def small_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SmallDisk]:
    root = tmp_path / "data"
    videos = root / "key-disk" / "videos"
    videos.mkdir(parents=True)
    mounted = request.param == "tmpfs" and (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(videos)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if not mounted:  # not allowed to mount here: the same test on the seam
        yield _seam(root)
        return
    ballast = videos / "ballast"

    def fill() -> None:
        with ballast.open("wb", buffering=0) as handle:
            try:
                while True:
                    handle.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC

    try:
        yield SmallDisk(root, Disk(), fill, lambda: ballast.unlink(), True)
    finally:
        subprocess.run(["umount", "-l", str(videos)], check=True)


def _jobs(fake, clock, store: Store) -> Jobs:
    client = Client(
        KEY,
        base_url=fake.base_url,
        transport=httpx.MockTransport(fake.handle),
        max_retries=1,
        sleep=lambda seconds: None,
    )
    return Jobs(client, store, now=clock.now)


def _finished_run(jobs: Jobs, clock) -> Run:
    request = parse_request(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": "sea"}}
    )
    run = jobs.submit(request)  # type: ignore[arg-type]
    clock.advance(120)
    return run


def test_a_full_disk_keeps_the_run_to_download_until_there_is_room(
    small_disk, fake_modelhunter, manual_clock, open_store
) -> None:
    store = open_store(small_disk.root, "key-disk", disk=small_disk.disk)
    jobs = _jobs(fake_modelhunter, manual_clock, store)
    run = _finished_run(jobs, manual_clock)
    small_disk.fill()

    for _ in range(MAX_DOWNLOAD_ATTEMPTS * 2):
        jobs.refresh([run])
        assert jobs.last_error and "full" in jobs.last_error and str(store.dir) in jobs.last_error
        manual_clock.advance(2)
    assert run.status == "succeeded" and run.video_file is None
    assert run.video_error is None and run.download_attempts == 0 and run.active
    assert [p.name for p in store.videos.iterdir() if p.suffix == ".part"] == []
    stored = open_store(small_disk.root, "key-disk", disk=small_disk.disk).get(run.run_id)
    assert stored is not None and stored.active, "still to download after a restart"

    small_disk.free()
    jobs.refresh([run])
    assert run.video_file is not None and not run.active and jobs.last_error is None
    video = store.video_path(run)
    assert video is not None and b"ftyp" in video.read_bytes()[:64]


def _given_up(jobs: Jobs, run: Run) -> Run:
    """A run an older version gave up on after a local error (as it stored them)."""
    run.video_error = "The video could not be downloaded: [Errno 28] No space left on device"
    run.download_attempts = MAX_DOWNLOAD_ATTEMPTS
    jobs.store.save(run)
    return run


def test_retry_download_fetches_a_video_given_up_before(
    tmp_path, fake_modelhunter, manual_clock, open_store
):
    jobs = _jobs(fake_modelhunter, manual_clock, open_store(tmp_path, "key-disk"))
    run = _given_up(jobs, _finished_run(jobs, manual_clock))
    jobs.refresh([run])
    assert run.video_file is None and not run.active, "given up: not retried on its own"

    jobs.retry_download(run)
    assert run.video_error is None and jobs.store.video_path(run) is not None
    assert jobs.store.get(run.run_id) == run


def test_recover_clears_an_old_video_error(
    tmp_path, fake_modelhunter, manual_clock, open_store
) -> None:
    jobs = _jobs(fake_modelhunter, manual_clock, open_store(tmp_path, "key-disk"))
    run = _given_up(jobs, _finished_run(jobs, manual_clock))
    assert run.task is not None

    recovered = recover(jobs, jobs.client.get_task(run.task.id))

    assert recovered.run_id == run.run_id and recovered.video_error is None
    assert jobs.store.video_path(recovered) is not None
    assert jobs.store.get(run.run_id) == recovered
