"""Cold start: from `streamlit run` to the first rendered page in headless Chromium.

Ours is `streamlit run app.py` in Demo mode (empty data directory in a temp folder); the
baseline is a hello-world script started the same way (same interpreter, flags and working
directory, so the same `.streamlit/config.toml`). The clock starts just before the server
process is spawned and stops when the page's heading is visible in the browser. Chromium is
launched once beforehand and each start gets a fresh browser context (no cache). Starts take
turns, ours first in odd rounds; the medians of `STARTS` starts each are compared.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from bench.common import Result, format_table

__all__ = ["CHROMIUM", "HELLO_SCRIPT", "run"]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
STARTS = 3
TIMEOUT_S = 90.0
APP_HEADING = "Generate a video"
HELLO_HEADING = "Hello, world"
HELLO_SCRIPT = f'import streamlit as st\n\nst.title("{HELLO_HEADING}")\n'


@dataclass(frozen=True)
class App:
    """A script to start and the heading that shows it has rendered."""

    script: Path
    heading: str


@dataclass(frozen=True)
class Start:
    """Seconds from spawning the server to it accepting connections and to the heading."""

    listening_s: float
    rendered_s: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("streamlit exited before it listened.") from None
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not listen in time.") from None
            time.sleep(0.02)


def cold_start(browser: Browser, app: App, data_dir: Path) -> Start:
    """Start `app` with `streamlit run` and time it until its heading shows."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "MODELHUNTER_KEY"}
    env["MODELHUNTER_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "-m", "streamlit", "run", str(app.script)]
    command += ["--server.headless", "true", "--server.port", str(port)]
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_listening(port, proc, time.monotonic() + TIMEOUT_S)
        listening = time.perf_counter() - started
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/", timeout=TIMEOUT_S * 1000)
            heading = page.get_by_role("heading", name=app.heading)
            heading.first.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
            rendered = time.perf_counter() - started
        finally:
            context.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return Start(listening, rendered)


def run(starts: int = STARTS) -> list[Result]:
    """Median cold start of the playground vs a hello-world app, `starts` of each."""
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO_SCRIPT)
        ours_app = App(ROOT / "app.py", APP_HEADING)
        hello_app = App(hello, HELLO_HEADING)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ours: list[Start] = []
        base: list[Start] = []
        try:
            for n in range(starts):
                data_dir = Path(tmp) / f"data-{n}"  # empty: a first start each time
                if n % 2:
                    base.append(cold_start(browser, hello_app, data_dir))
                    ours.append(cold_start(browser, ours_app, data_dir))
                else:
                    ours.append(cold_start(browser, ours_app, data_dir))
                    base.append(cold_start(browser, hello_app, data_dir))
        finally:
            browser.close()
    listening = statistics.median(s.listening_s for s in ours)
    return [
        Result(
            name="Cold start to first rendered page",
            unit="s",
            baseline_label="hello-world app",
            baseline=statistics.median(s.rendered_s for s in base),
            ours_label="app.py (Demo mode)",
            ours=statistics.median(s.rendered_s for s in ours),
            goal=1.3,
            note=f"median of {starts} starts each, taking turns; headless Chromium; "
            f"server listening after {listening:.2f} s (ours, median)",
        )
    ]


if __name__ == "__main__":
    sys.stdout.write(format_table(run()) + "\n")
