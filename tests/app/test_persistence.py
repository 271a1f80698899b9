"""Nothing is lost on a browser refresh or an app restart: the gallery comes back from the
store, finished videos play from local storage and a run in progress completes afterwards."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from fake_modelhunter import FakeModelHunter, Timing
from playground.backend import use_demo_service
from playground.store import Store


def _submit(at: AppTest, prompt: str, png: bytes | None = None) -> None:
    """Click Generate with this prompt (uploading `png` first; else the image already picked)."""
    if png is not None:
        uploader = at.file_uploader(key="img|image|0|upload")
        uploader.set_value(("harbour.png", png, "image/png")).run()
    at.text_area(key="form|kling-v3|input.prompt|0").input(prompt).run()
    at.button(key="submit").click().run()
    assert not at.exception, at.exception
    assert any("Submitted" in i.value for i in at.info)  # next to Generate, not a toast


def _downloads(demo) -> int:
    return sum(1 for r in demo.fake.requests if r.path.startswith("/cdn/results/"))


def _gallery(at: AppTest) -> AppTest:
    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("how", ["refresh", "restart"])
def test_the_gallery_survives_and_a_run_in_progress_completes(demo, png, how: str) -> None:
    first = demo.app()
    _submit(first, "gulls over the harbour", png)
    demo.clock.advance(10)
    first.run()
    first.run()
    assert first.get("video"), "the first run finished and plays"
    _submit(first, "fog rolling in")
    demo.clock.advance(3)
    first.run()
    assert not at_rest(first), "the second run is still in progress"
    downloads = _downloads(demo)

    if how == "restart":
        # The app process starts over: the store is read afresh from disk. The API keeps its
        # tasks, as the real ModelHunter does (the in-memory Demo backend does not: see
        # test_demo_backend_restart_ends_runs_in_progress_plainly).
        st.cache_resource.clear()
        stored = Store(demo.data_dir, demo.scope).runs()
        assert [r.prompt for r in stored] == ["fog rolling in", "gulls over the harbour"]
        assert stored[0].active and not stored[1].active
    second = _gallery(demo.app())

    markdown = " ".join(m.value for m in second.markdown)
    assert "gulls over the harbour" in markdown and "fog rolling in" in markdown
    assert len(second.get("video")) == 1, "the finished run plays from local storage"
    assert second.progress, "the unfinished run shows its progress"
    assert _downloads(demo) == downloads, "nothing downloaded again"

    demo.clock.advance(10)
    second.run()
    second.run()
    assert not second.exception, second.exception
    assert not second.progress, "the run in progress completed after the refresh"
    assert _downloads(demo) == downloads + 1
    # The gallery plays the selected result; the grid shows a poster frame per finished run.
    assert len(second.get("video")) == 1
    assert len(second.image) == 2
    runs = second.session_state["kp_session"].runs.values()
    fog = next(r.run_id for r in runs if r.prompt == "fog rolling in")
    gulls = next(r.run_id for r in runs if r.prompt == "gulls over the harbour")
    assert second.button(key=f"open|{fog}").disabled, "the newest clip is the one shown"
    second.button(key=f"open|{gulls}").click().run()
    assert not second.exception, second.exception
    assert len(second.get("video")) == 1
    assert second.button(key=f"open|{gulls}").disabled, "now the gulls clip plays"


def test_demo_backend_restart_ends_runs_in_progress_plainly(demo, png) -> None:
    first = demo.app()
    _submit(first, "gulls over the harbour", png)
    demo.clock.advance(10)
    first.run()
    first.run()
    _submit(first, "fog rolling in")
    # The whole app restarts, and with it the in-memory Demo backend: its tasks are gone.
    fresh = FakeModelHunter(clock=demo.clock, timing=Timing(pending_s=1, queued_s=1, running_s=6))
    use_demo_service(fresh)
    try:
        second = _gallery(demo.app())
        second.run()
        assert not second.exception, second.exception
        errors = " ".join(e.value for e in second.error)
        assert "No longer known to the API" in errors
        assert len(second.get("video")) == 1, "the finished clip still plays from the store"
        polls = len(fresh.requests)
        second.run()
        assert len(fresh.requests) == polls, "a run the API forgot is not polled forever"
    finally:
        fresh.close()


def at_rest(at: AppTest) -> bool:
    """No run of the page is in progress."""
    return not at.progress
