"""Result videos of the fake: synthesized in the background, cached with a bound.

Synthesis starts at submit on a small thread pool, so a task's timing (fake clock) never
depends on how fast a clip renders; a download waits for its clip. At most `max_cached`
clips stay in memory (oldest evicted first); an evicted clip is rendered again on demand
(synthesis is deterministic, so the bytes are the same). With synthesis off every task
serves one tiny static MP4.
"""

from __future__ import annotations

import functools
import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import replace
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageOps

from fake_modelhunter.video_request import VideoRequest

if TYPE_CHECKING:
    from fake_modelhunter.synth import SynthRequest

__all__ = [
    "MAX_CACHED_VIDEOS",
    "VideoStore",
    "placeholder_image",
    "synth_request",
    "tiny_mp4",
]

MAX_CACHED_VIDEOS = 64
SYNTH_WORKERS = 2
# Renders waiting for a worker, at most; a submit beyond it is answered 429 (the demo
# renderer is busy), so many visitors cannot pile up unbounded CPU and memory.
MAX_QUEUED_RENDERS = 12
PLACEHOLDER_SIDE = 960


@functools.cache
def tiny_mp4() -> bytes:
    """A valid 1 s, 64×64 H.264 MP4 (made once per process) served when synthesis is off."""
    import av  # heavy imports only when a clip is made: keeps the app's cold start short
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        ramp = np.linspace(0, 255, 64, dtype=np.uint8)
        for i in range(8):
            rgb = np.dstack(
                [
                    np.tile(ramp, (64, 1)),
                    np.full((64, 64), i * 30, np.uint8),
                    np.tile(ramp, (64, 1)).T,
                ]
            )
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


@functools.lru_cache(maxsize=32)
def placeholder_image(url: str) -> bytes:
    """A PNG standing in for an image the fake cannot fetch (any foreign URL).

    Colours and shapes derive from the URL, so different URLs give different clips.
    """
    seed = hashlib.sha256(url.encode()).digest()
    side = PLACEHOLDER_SIDE
    gradient = Image.linear_gradient("L").resize((side, side)).rotate(seed[6] % 360)
    img = ImageOps.colorize(gradient, tuple(seed[0:3]), tuple(seed[3:6])).convert("RGB")
    draw = ImageDraw.Draw(img)
    for i in range(6):
        x, y, r = seed[7 + i] * side // 256, seed[13 + i] * side // 256, 40 + seed[19 + i] // 3
        fill = tuple(255 - c for c in seed[i : i + 3])
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=(255, 255, 255), width=4)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


def synth_request(request: VideoRequest, start: bytes, end: bytes | None) -> SynthRequest:
    """What to render for a task: its images, length, shape, prompt, shots and voices."""
    from fake_modelhunter.synth import Shot, SynthRequest  # heavy; only when synthesizing

    shots: tuple[Shot, ...] = ()
    if request.multi_shot == "true" and request.shots:
        even = request.duration / len(request.shots)
        shots = tuple(Shot(float(s.duration or even), s.prompt) for s in request.shots)
    return SynthRequest(
        start_image=start,
        duration=request.duration,
        aspect_ratio=request.aspect_ratio,  # type: ignore[arg-type]  # checked by the rules
        end_image=end,
        prompt=request.prompt,
        shots=shots,
        auto_shots=request.multi_shot == "intelligence",
        sound=request.sound == "on",
        captions=tuple(voice.text for voice in request.voices),
        seed=f"{request.model}-{request.mode}",
    )


def _render(job: SynthRequest) -> bytes:
    from fake_modelhunter.synth import SynthError, synthesize

    try:
        return synthesize(job)
    except SynthError:
        # An upload the platform accepted but the synthesizer cannot read: still deliver a
        # clip of the right length and shape, from the placeholder.
        fallback = placeholder_image("fallback")
        return synthesize(replace(job, start_image=fallback, end_image=None))


class VideoStore:
    """Clips per task id: background renders, a bounded cache and re-render on demand."""

    def __init__(
        self,
        *,
        synthesize: bool = True,
        max_cached: int = MAX_CACHED_VIDEOS,
        render: Callable[[SynthRequest], bytes] | None = None,
    ) -> None:
        self.synthesize = synthesize
        self._render = render or _render
        self._max_cached = max_cached
        # Re-entrant: a future that is already done runs its callback inside `_launch`.
        self._lock = threading.RLock()
        self._jobs: dict[str, SynthRequest] = {}
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._futures: dict[str, Future[bytes]] = {}
        self._sizes: dict[str, int] = {}
        self._executor: ThreadPoolExecutor | None = None

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(SYNTH_WORKERS, thread_name_prefix="fake-synth")
        return self._executor

    def start(self, task_id: str, job: SynthRequest | None) -> None:
        """Begin rendering a task's clip (`job` is None when synthesis is off)."""
        with self._lock:
            if job is None or not self.synthesize:
                self._sizes[task_id] = len(tiny_mp4())
                return
            self._jobs[task_id] = job
            self._launch(task_id, job)

    def queued(self) -> int:
        """How many renders wait for a worker now."""
        with self._lock:
            return sum(1 for f in self._futures.values() if not (f.running() or f.done()))

    def position(self, task_id: str) -> int | None:
        """1 for the next render to start, 2 for the one after…; None when not waiting."""
        with self._lock:
            waiting = [t for t, f in self._futures.items() if not (f.running() or f.done())]
        return waiting.index(task_id) + 1 if task_id in waiting else None

    def _launch(self, task_id: str, job: SynthRequest) -> Future[bytes]:
        future = self._pool().submit(self._render, job)
        self._futures[task_id] = future
        future.add_done_callback(lambda done: self._finished(task_id, done))
        return future

    def _finished(self, task_id: str, future: Future[bytes]) -> None:
        if future.cancelled() or future.exception() is not None:
            with self._lock:
                self._futures.pop(task_id, None)
            return
        data = future.result()
        with self._lock:
            if self._futures.get(task_id) is future:
                del self._futures[task_id]
            self._sizes[task_id] = len(data)
            self._cache[task_id] = data
            self._cache.move_to_end(task_id)
            while len(self._cache) > self._max_cached:
                self._cache.popitem(last=False)

    def forget(self, task_id: str) -> None:
        """Stop rendering a task's clip (cancelled or failed tasks have no result)."""
        with self._lock:
            future = self._futures.pop(task_id, None)
            self._jobs.pop(task_id, None)
            self._cache.pop(task_id, None)
        if future is not None:
            future.cancel()

    def size(self, task_id: str) -> int | None:
        """The clip's size in bytes once rendered."""
        with self._lock:
            return self._sizes.get(task_id)

    def wait(self, task_ids: Iterable[str], timeout: float | None = 120.0) -> None:
        """Block until the clips of these tasks that are rendering are done."""
        with self._lock:
            pending = [self._futures[i] for i in task_ids if i in self._futures]
        if pending:
            wait_futures(pending, timeout=timeout)

    def video(self, task_id: str) -> bytes:
        """The clip of a task, rendering it again if it was evicted.

        Raises:
            KeyError: no clip was ever started for this task.
        """
        with self._lock:
            if not self.synthesize:
                if task_id in self._sizes:
                    return tiny_mp4()
                raise KeyError(task_id)
            if task_id in self._cache:
                self._cache.move_to_end(task_id)
                return self._cache[task_id]
            future = self._futures.get(task_id) or self._launch(task_id, self._jobs[task_id])
        return future.result()

    def close(self) -> None:
        """Stop the render threads (queued renders are dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
