"""The HTTP client over real loopback HTTP: upload memory and per-call overhead.

The offline ModelHunter runs as its own process (`python -m fake_modelhunter --no-video`),
so neither its memory nor its CPU time is counted on the client's side.

Upload: a fresh Python subprocess uploads a `UPLOAD_MB` MB PNG with `Client.upload_file`;
tracemalloc's peak around the call is the client's extra memory, compared with the file
size (a client that read the file whole would be at ≥ 1×). The RSS growth of that process
is given in the note.

Overhead: submit + get round trips through `Client` vs raw `httpx.Client` calls sending the
same JSON to the same server, `ROUND_TRIPS` each, alternating which goes first (ABBA) so
drift hits both; medians compared.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from bench.common import Result, format_table
from modelhunter.client import USER_AGENT, Client
from modelhunter.requests import KlingV3Input, KlingV3Request

__all__ = ["fake_server", "run"]

ROOT = Path(__file__).resolve().parents[1]
KEY = "river_test_" + "bench" * 6 + "00"
UPLOAD_MB = 40
ROUND_TRIPS = 200
WARMUP = 10
STARTUP_TIMEOUT_S = 30.0
MB = 1_000_000

# Runs in a fresh interpreter: imports first, then the RSS before, then only the upload.
# Peak RSS is VmHWM, reset through clear_refs: `ru_maxrss` would start at the parent's RSS
# (Linux keeps it across fork + exec), which says nothing about the child.
_UPLOAD_SCRIPT = """
import json, sys, tracemalloc
from modelhunter.client import Client
path, base_url, key = sys.argv[1:4]

def status_kb(field):
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1])

with Client(key, base_url=base_url) as client:
    client.get_balance()  # connection and lazy imports ready before measuring
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset the peak RSS (VmHWM) to the current RSS
    except OSError:
        pass  # VmHWM then also holds the imports' peak: an overestimate, never less
    rss_before_kb = status_kb("VmRSS")
    tracemalloc.start()
    uploaded = client.upload_file(path, content_type="image/png")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = status_kb("VmHWM") - rss_before_kb
json.dump({"peak": peak, "size": uploaded.size_bytes, "rss_kb": rss_kb}, sys.stdout)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def fake_server() -> Iterator[str]:
    """`python -m fake_modelhunter --no-video` in a subprocess; yields its API base URL.

    Raises:
        RuntimeError: it did not answer within `STARTUP_TIMEOUT_S`.
    """
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fake_modelhunter", "--port", str(port), "--no-video"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                httpx.get(origin + "/", timeout=1.0).raise_for_status()
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("The offline ModelHunter server did not start.") from None
                time.sleep(0.05)
        yield origin + "/api/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_png(path: Path, megabytes: float) -> int:
    """A noise PNG of about `megabytes` MB, stored uncompressed (fast to write); its size."""
    side = max(128, int((megabytes * MB / 3) ** 0.5))
    pixels = np.random.default_rng(1).integers(0, 256, (side, side, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, "PNG", compress_level=0)
    return path.stat().st_size


def upload_memory(base_url: str, megabytes: float = UPLOAD_MB) -> Result:
    """Peak extra client memory while uploading a file, against the file's size."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.png"
        size = make_png(path, megabytes)
        out = subprocess.run(
            [sys.executable, "-c", _UPLOAD_SCRIPT, str(path), base_url, KEY],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    measured = json.loads(out.stdout)
    if measured["size"] != size:
        raise RuntimeError("The server stored a different number of bytes than were sent.")
    return Result(
        name=f"Upload {size / MB:.0f} MB image, client peak memory",
        unit="MB",
        baseline_label="file size",
        baseline=size / MB,
        ours_label="tracemalloc peak",
        ours=measured["peak"] / MB,
        goal=1.5,
        note=f"RSS growth {measured['rss_kb'] / 1024:.1f} MB; server in another process",
    )


def _timed(fn: Callable[[], None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def client_overhead(base_url: str, round_trips: int = ROUND_TRIPS) -> Result:
    """Median submit + get round trip: our `Client` vs raw httpx with the same JSON."""
    request = KlingV3Request(
        input=KlingV3Input(image="https://example.com/start.jpg", prompt="slow push in")
    )
    body = request.wire()
    headers = {"Authorization": f"Bearer {KEY}", "User-Agent": USER_AGENT}
    with (
        Client(KEY, base_url=base_url) as ours,
        httpx.Client(base_url=base_url + "/", headers=headers) as raw,
    ):

        def with_client() -> None:
            ack = ours.submit(request)
            ours.get_task(ack.id)

        def with_httpx() -> None:
            submitted = raw.post("kling/image-to-video", json=body)
            submitted.raise_for_status()
            task_id = submitted.json()["data"]["id"]
            got = raw.get(f"tasks/{task_id}")
            got.raise_for_status()
            got.json()

        for _ in range(WARMUP):
            with_client()
            with_httpx()
        ours_t: list[tuple[float, float]] = []
        raw_t: list[tuple[float, float]] = []
        for n in range(round_trips):
            if n % 2:
                ours_t.append(_timed(with_client))
                raw_t.append(_timed(with_httpx))
            else:
                raw_t.append(_timed(with_httpx))
                ours_t.append(_timed(with_client))
    pairs = statistics.median(o[0] / r[0] for o, r in zip(ours_t, raw_t, strict=True))
    ours_cpu = statistics.median(t[1] for t in ours_t) * 1e6
    raw_cpu = statistics.median(t[1] for t in raw_t) * 1e6
    return Result(
        name="Client overhead: submit + get round trip",
        unit="ms",
        baseline_label="raw httpx",
        baseline=statistics.median(t[0] for t in raw_t) * 1000,
        ours_label="Client",
        ours=statistics.median(t[0] for t in ours_t) * 1000,
        goal=1.1,
        note=f"median of {round_trips} each, alternated, server in another process; "
        f"median of paired ratios {pairs:.2f}; client CPU {ours_cpu:.0f} vs {raw_cpu:.0f} µs",
    )


def run(quick: bool = False) -> list[Result]:
    """Upload memory and client overhead; `quick` uses 1 MB and 5 round trips."""
    with fake_server() as base_url:
        if quick:
            return [upload_memory(base_url, 1), client_overhead(base_url, 5)]
        return [upload_memory(base_url), client_overhead(base_url)]


if __name__ == "__main__":
    sys.stdout.write(format_table(run("--quick" in sys.argv)) + "\n")
