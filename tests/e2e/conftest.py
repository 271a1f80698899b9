"""End-to-end fixtures: `streamlit run` on a free port, driven by headless Debian Chromium.

Playwright's Python API launches `/usr/bin/chromium` (never `playwright install`). Every
wait is on a condition (health endpoint, DOM state), never a fixed sleep.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, sync_playwright

from tests.waiting import until_up

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> None:
    """Block until `url` answers at all (the server is up) or the process dies."""

    def answers() -> bool:
        try:
            httpx.get(url, timeout=1)
        except httpx.HTTPError:
            return False
        return True

    try:
        up = until_up(answers, proc, timeout_s, pause_s=0.2)
    except TimeoutError:
        raise RuntimeError(f"server at {url} did not start; see {log}") from None
    if not up:
        raise RuntimeError(f"server for {url} exited with {proc.returncode}; see {log}")


@dataclass
class Server:
    url: str
    data_dir: Path
    log: Path


def start(
    name: str, env: dict[str, str], args: list[str], health: str
) -> tuple[subprocess.Popen[bytes], Path]:
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"{name}.log"  # kept for reading after a failure
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    wait_healthy(health, proc, log)
    return proc, log


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def streamlit_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUNTER_")}
    env.update({"MODELHUNTER_DATA_DIR": str(data_dir), **extra})
    return env


def run_streamlit(name: str, env: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = ["-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    args += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    proc, log = start(name, env, args, f"{url}/_stcore/health")
    try:
        yield Server(url, Path(env["MODELHUNTER_DATA_DIR"]), log)
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app in Demo mode (no key): the embedded offline ModelHunter in real time."""
    tmp = tmp_path_factory.mktemp("demo-app")
    yield from run_streamlit("demo-app", streamlit_env(tmp / "data"))


# A recognisable Live key, assembled at run time so the literal never sits in the repo.
CANARY_KEY = "river_live_" + "LEAKCANARY" + "k9" * 11


@dataclass
class LiveApp:
    server: Server
    key: str
    api_log: Path


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The app with a Live key, talking over HTTP to the offline ModelHunter in its own process."""
    tmp = tmp_path_factory.mktemp("live-app")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    env = streamlit_env(tmp / "data")
    args = ["-m", "fake_modelhunter", "--port", str(port), "--demo"]
    fake, fake_log = start("live-api", env, args, f"{api}/balance")  # 401 = up
    try:
        app_env = streamlit_env(tmp / "data", MODELHUNTER_KEY=CANARY_KEY, MODELHUNTER_BASE_URL=api)
        for server in run_streamlit("live-app", app_env):
            yield LiveApp(server, CANARY_KEY, fake_log)
    finally:
        stop(fake)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_app(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.get_by_test_id("stApp").wait_for()
    page.get_by_role("heading", name="Generate a video").wait_for(timeout=30_000)
    return page


@pytest.fixture
def app(browser: Browser, demo_server: Server) -> Iterator[Page]:
    """A fresh browser session (new context = new Streamlit session) on the demo app."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(demo_server.url)
    page.get_by_test_id("stApp").wait_for()
    page.get_by_role("heading", name="Generate a video").wait_for(timeout=30_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def photo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A colourful 1600×1000 PNG, like a user's photo."""
    image = Image.new("RGB", (1600, 1000), (24, 48, 96))
    draw = ImageDraw.Draw(image)
    for n in range(12):
        draw.ellipse(
            (80 + n * 120, 200 + (n % 3) * 150, 200 + n * 120, 320 + (n % 3) * 150),
            fill=(240 - n * 10, 120 + n * 8, 60 + n * 12),
        )
    draw.rectangle((900, 600, 1500, 900), fill=(200, 60, 80))
    path = tmp_path_factory.mktemp("img") / "harbour.png"
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
