"""AppTest fixtures: the app in Demo mode on an offline ModelHunter whose clock tests drive."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from fake_modelhunter import FakeModelHunter, ManualClock, Timing, serve
from playground.backend import use_demo_service
from playground.identity import demo_key, workspace_scope
from playground.state import Keys

APP = Path(__file__).resolve().parents[2] / "app.py"
#: The browser every `Demo.app()` is, unless told otherwise (its cookie kept across sessions).
BROWSER = "b0" * 16


@dataclass
class Demo:
    fake: FakeModelHunter
    clock: ManualClock
    data_dir: Path

    #: Demo mode's workspace (store scope) and offline-service key of the default browser
    scope: str = workspace_scope("demo", BROWSER)
    key: str = demo_key(BROWSER)

    def app(self, browser: str | None = BROWSER) -> AppTest:
        """A fresh session on the app (same store, same offline service) in `browser`, as
        its cookie would say; `None`: a browser without the cookie (a new visitor)."""
        at = AppTest.from_file(str(APP), default_timeout=60)
        if browser is not None:
            at.session_state[Keys.BROWSER] = browser
        at.run()
        assert not at.exception, at.exception
        return at


def _demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, videos: bool) -> Iterator[Demo]:
    monkeypatch.setenv("MODELHUNTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MODELHUNTER_KEY", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    clock = ManualClock()
    fake = FakeModelHunter(
        clock=clock,
        timing=Timing(pending_s=1, queued_s=1, running_s=6),
        synthesize_videos=videos,
    )
    use_demo_service(fake)
    yield Demo(fake, clock, tmp_path / "data")
    use_demo_service(None)
    fake.close()


@pytest.fixture
def served_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeModelHunter]:
    """The offline ModelHunter served over HTTP on loopback (a key's mode talks HTTP), on a
    clock tests drive; the app's base URL and data folder point at it and a temp folder."""
    fake = FakeModelHunter(
        clock=ManualClock(),
        timing=Timing(pending_s=1, queued_s=1, running_s=4),
        synthesize_videos=False,
    )
    with serve(fake) as base_url:
        monkeypatch.setenv("MODELHUNTER_BASE_URL", base_url)
        monkeypatch.setenv("MODELHUNTER_DATA_DIR", str(tmp_path / "data"))
        st.cache_data.clear()
        st.cache_resource.clear()
        yield fake
    fake.close()


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    """Demo mode whose results are real demo clips made from the uploaded image."""
    yield from _demo(tmp_path, monkeypatch, videos=True)


@pytest.fixture
def quick_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    """Demo mode with a small stock MP4 as every result (for tests about lists, not clips)."""
    yield from _demo(tmp_path, monkeypatch, videos=False)


def photo(width: int = 640, height: int = 400, fmt: str = "PNG") -> bytes:
    """A small picture with shapes, so the demo clip has something to move over."""
    image = Image.new("RGB", (width, height), (30, 60, 110))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 4, height // 4, width // 2, height // 2), fill=(240, 200, 60))
    draw.rectangle((width // 2, height // 2, width - 20, height - 20), fill=(200, 60, 80))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def png() -> bytes:
    return photo()
