"""The History page lists the API's tasks, filters them, and recovers one into the gallery."""

from __future__ import annotations

import httpx
from streamlit.testing.v1 import AppTest

from modelhunter.client import Client
from modelhunter.requests import parse_request


def _made_elsewhere(demo, prompt: str) -> str:
    """A task created by another tool with the same key (not in this app's gallery)."""
    client = Client(
        demo.key, base_url=demo.fake.base_url, transport=httpx.MockTransport(demo.fake.handle)
    )
    body = {
        "model": "kling-v3",
        "input": {"image": "https://example.com/cat.png", "prompt": prompt},
    }
    return client.submit(parse_request(body)).id


def _history(demo) -> AppTest:
    at = demo.app()
    at.switch_page("app_pages/history.py").run()
    assert not at.exception, at.exception
    return at


def _ids_shown(at: AppTest) -> list[str]:
    return [t.value for t in at.text if t.value.startswith("task_")]


def test_lists_tasks_newest_first_and_filters_by_status(quick_demo) -> None:
    demo = quick_demo
    first = _made_elsewhere(demo, "first")
    demo.clock.advance(60)  # first one finishes
    second = _made_elsewhere(demo, "second")
    at = _history(demo)
    assert _ids_shown(at) == [second, first]

    at.selectbox(key="h_status").select("succeeded").run()
    assert _ids_shown(at) == [first]

    at.selectbox(key="h_status").select("All").run()
    at.text_input(key="h_search").input(second[:12]).run()
    assert _ids_shown(at) == [second]


def test_recover_brings_a_finished_task_into_the_gallery(quick_demo) -> None:
    demo = quick_demo
    task_id = _made_elsewhere(demo, "made by a script")
    demo.clock.advance(20 * 60)  # finished long ago: its result URL has expired
    at = _history(demo)
    at.button(key=f"recover|{task_id}").click().run()
    assert not at.exception, at.exception
    assert any("in the gallery" in t.value for t in at.toast)
    assert "✓ in gallery" in [t.value for t in at.text]
    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception
    assert len(at.get("video")) == 1, "the recovered video plays from local storage"


def test_pagination_moves_through_older_tasks(quick_demo) -> None:
    demo = quick_demo
    made = []
    for n in range(23):
        made.append(_made_elsewhere(demo, f"task {n}"))
        demo.clock.advance(1)
    at = _history(demo)
    assert _ids_shown(at) == made[::-1][:20]
    at.button(key=next(b.key for b in at.button if b.label == "Older")).click().run()
    assert _ids_shown(at) == made[::-1][20:]


def test_demo_history_does_not_speak_of_a_key(quick_demo) -> None:
    at = _history(quick_demo)
    intro = at.caption[0].value
    assert "key" not in intro and "demo task this browser has made" in intro, intro
