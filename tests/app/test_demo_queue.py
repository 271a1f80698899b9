"""Demo mode under load: a clip waiting for the offline renderer says so, with its place."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from fake_modelhunter import FakeModelHunter, ManualClock, Timing
from fake_modelhunter.videos import SYNTH_WORKERS, tiny_mp4
from playground.backend import use_demo_service

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture
def busy_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeModelHunter]:
    release = threading.Event()

    def render(job: object) -> bytes:
        release.wait(timeout=60)  # the renderer is busy until the test ends
        return tiny_mp4()

    monkeypatch.setenv("MODELHUNTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MODELHUNTER_KEY", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    fake = FakeModelHunter(
        clock=ManualClock(),
        timing=Timing(pending_s=1, queued_s=1, running_s=6),
        synthesize_videos=True,
        render=render,
    )
    use_demo_service(fake)
    yield fake
    release.set()
    use_demo_service(None)
    fake.close()


def test_a_clip_waiting_for_the_demo_renderer_shows_its_place(busy_demo, png) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.file_uploader(key="img|image|0|upload").set_value(("a.png", png, "image/png")).run()
    prompt = next(t for t in at.text_area if t.label == "Prompt")
    for n in range(SYNTH_WORKERS + 1):
        prompt.input(f"take {n}").run()
        at.button(key="submit").click().run()
        assert not at.exception, at.exception
    texts = " ".join(p.proto.text for p in at.progress)
    assert "in the demo renderer's queue (next)" in texts, texts
