"""Export: a ZIP of 100 Demo videos (`playground.export.export_to_folder`).

Ours is the export as the Gallery makes it (manifests, index.html, videos stored, written
atomically into the store's exports folder); the baseline is `zipfile` writing the same video
files stored into a file, nothing else. The store holds `VIDEOS` finished Demo runs, each
with a real 5 s 720p Demo clip (one clip made by the offline synthesizer, a different last
byte per file, so no two files are alike). Time: median of `REPEATS` each, taking turns,
with the page cache warm for both. Memory: the peak growth of this process's resident set
(sampled every 2 ms by a thread) during ours, and tracemalloc's peak (Python objects only).
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_page import BENCH_SCOPE, demo_clip, fill_store
from bench.common import Result, format_table
from playground.export import export_to_folder
from playground.store import Store

__all__ = ["peak_rss_growth", "run"]

VIDEOS = 100
REPEATS = 5
MB = 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


def peak_rss_growth(work: Callable[[], object], every_s: float = 0.002) -> int:
    """Bytes the resident set grew by at its highest while `work()` ran."""
    gc.collect()
    start = _rss()
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(every_s)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        work()
    finally:
        done.set()
        sampler.join()
    return max(peak[0], _rss()) - start


def _plain_zip(files: list[Path], target: Path) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as box:
        for path in files:
            box.write(path, f"export/videos/{path.name}")


def run(quick: bool = False) -> list[Result]:
    """Time and peak memory of the export of `VIDEOS` Demo clips vs a plain `zipfile`."""
    videos = 4 if quick else VIDEOS
    repeats = 1 if quick else REPEATS
    clip = demo_clip() if not quick else b"\x00" * 50_000
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        fill_store(data, videos)
        store = Store(data, BENCH_SCOPE)
        runs = store.runs()
        files = sorted(store.videos.glob("*.mp4"))
        for n, path in enumerate(files):
            path.write_bytes(clip[:-1] + bytes([n % 256]))
        total_mb = sum(p.stat().st_size for p in files) / 1e6
        out = Path(tmp) / "out"
        out.mkdir()
        now = datetime(2026, 2, 1, tzinfo=UTC)

        def ours() -> Path:
            return export_to_folder(runs, store, out, live=False, label="bench", now=now)

        def base() -> None:  # a fresh file each time, the last one replaced, as ours does
            fresh = out / "plain.zip.new"
            _plain_zip(files, fresh)
            fresh.replace(out / "plain.zip")

        ours(), base()  # warm the page cache and the imports for both
        ours_s: list[float] = []
        base_s: list[float] = []
        for n in range(repeats):
            for side in (ours, base) if n % 2 == 0 else (base, ours):
                started = time.perf_counter()
                side()
                (ours_s if side is ours else base_s).append(time.perf_counter() - started)
        rss = peak_rss_growth(ours)
        tracemalloc.start()
        try:
            ours()
            traced = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        size = ours().stat().st_size / 1e6
    return [
        Result(
            name=f"Export ZIP of {videos} Demo videos, time",
            unit="s",
            baseline_label="zipfile, videos stored",
            baseline=statistics.median(base_s),
            ours_label="export_to_folder",
            ours=statistics.median(ours_s),
            goal=1.2,
            note=f"{total_mb:.0f} MB of video, ZIP {size:.0f} MB with manifests and index.html; "
            f"median of {repeats} each, taking turns, page cache warm; both write a new file "
            "and replace the last one",
        ),
        Result(
            name=f"Export ZIP of {videos} Demo videos, peak extra memory",
            unit="MB",
            baseline_label="budget",
            baseline=50.0,
            ours_label="peak RSS growth",
            ours=rss / MB,
            goal=1.0,
            note=f"sampled every 2 ms; tracemalloc peak {traced / MB:.1f} MB; "
            f"the ZIP is {size:.0f} MB",
        ),
    ]


if __name__ == "__main__":
    sys.stdout.write(format_table(run("--quick" in sys.argv)) + "\n")
