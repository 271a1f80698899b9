"""Image preflight on a 48 MP photo: our inspect + preview vs a naive full decode + resize.

Time: best of several interleaved runs of each, in this process (the minimum is the least
disturbed by other load on the machine; both sides get the same treatment).

Memory: how far the peak RSS of a fresh subprocess doing only our inspect + preview (or
only the naive path, for the note) rises above its RSS just before. We report RSS, not
tracemalloc, because Pillow allocates pixel buffers with C malloc, which tracemalloc does not
see (it counts only the file bytes and Python objects); its figure is in the note.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from bench.common import Result, format_table
from modelhunter.images import inspect_image
from playground.preview import make_preview

__all__ = ["run"]

SIZE = (8000, 6000)
MAX_SIDE = 1024
RUNS = 5
MEMORY_BUDGET_MB = 100.0
ROOT = Path(__file__).resolve().parents[1]

# Linux counters of this very process: ru_maxrss is useless here, as a child inherits its
# parent's peak across fork/exec (this bench's parent holds a decoded 48 MP image). VmHWM
# belongs to the process's own address space and is reset to the current RSS by writing 5
# to clear_refs, so VmHWM after the work minus VmRSS before it is the honest rise.
_RSS_SCRIPT = """
import json, sys
from pathlib import Path
from bench.bench_images import naive, ours

def status_kb(key):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key + ":"))

path = Path(sys.argv[1])
try:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
except OSError:
    pass  # VmHWM then also holds the imports' peak: an overestimate, never an underestimate
before_kb = status_kb("VmRSS")
{"ours": ours, "naive": naive}[sys.argv[2]](path)
json.dump({"peak_kb": status_kb("VmHWM") - before_kb}, sys.stdout)
"""


def make_photo(path: Path) -> None:
    """A photo-like 48 MP JPEG (gradients + noise: ~11 MB, like a phone camera's)."""
    grad = Image.linear_gradient("L").resize(SIZE, Image.Resampling.BILINEAR)
    other = Image.linear_gradient("L").rotate(90).resize(SIZE, Image.Resampling.BILINEAR)
    noise = Image.effect_noise((SIZE[0] // 4, SIZE[1] // 4), 40).resize(SIZE)
    Image.merge("RGB", (grad, other, noise)).save(path, "JPEG", quality=90)


def ours(path: Path) -> None:
    assert inspect_image(path).ok
    make_preview(path, max_side=MAX_SIDE)


def naive(path: Path) -> None:
    with Image.open(path) as im:
        full = im.convert("RGB")
    scale = MAX_SIDE / max(full.size)
    full.resize((round(full.width * scale), round(full.height * scale)))


def _best_times(fns: list[Callable[[Path], None]], path: Path) -> list[float]:
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(RUNS):
        for i, fn in enumerate(fns):
            started = time.perf_counter()
            fn(path)
            times[i].append(time.perf_counter() - started)
    return [min(t) for t in times]


def _rss_peak_mb(path: Path, which: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, str(path), which],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)["peak_kb"] / 1024


def _tracemalloc_peak_mb(path: Path) -> float:
    tracemalloc.start()
    try:
        ours(path)
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def run() -> list[Result]:
    """Time ratio ours/naive (goal ≤ 1/3) and our peak memory against the 100 MB budget."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "48mp.jpg"
        make_photo(path)
        ours(path)  # warm up imports and caches for both sides
        naive(path)
        t_ours, t_naive = _best_times([ours, naive], path)
        rss = _rss_peak_mb(path, "ours")
        rss_naive = _rss_peak_mb(path, "naive")
        traced = _tracemalloc_peak_mb(path)
    return [
        Result(
            name="Image preflight, 48 MP JPEG (inspect + preview)",
            unit="ms",
            baseline_label="full decode + resize",
            baseline=t_naive * 1000,
            ours_label="draft decode + thumbnail",
            ours=t_ours * 1000,
            goal=0.334,
            note=f"best of {RUNS}",
        ),
        Result(
            name="Image preflight, 48 MP JPEG peak memory",
            unit="MB",
            baseline_label="budget",
            baseline=MEMORY_BUDGET_MB,
            ours_label="peak RSS growth",
            ours=rss,
            goal=1.0,
            note=(
                f"naive: {rss_naive:.0f} MB; tracemalloc sees only {traced:.0f} MB of ours "
                "(it misses Pillow's C buffers)"
            ),
        ),
    ]


if __name__ == "__main__":
    sys.stdout.write(format_table(run()) + "\n")
