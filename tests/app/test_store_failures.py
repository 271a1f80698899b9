"""A broken store shows a plain banner, the sidebar and what still reads; never a crash."""

from __future__ import annotations

import os
from decimal import Decimal

import httpx
from streamlit.testing.v1 import AppTest

from components.sidebar import MODE_BADGES
from fake_modelhunter.videos import tiny_mp4
from modelhunter.client import Client
from modelhunter.requests import parse_request
from playground.runs import Run
from playground.store import Store

DEMO_CAPTION = MODE_BADGES["demo"][2]


def _banner(at: AppTest) -> str:
    return " ".join(e.value for e in at.error).replace("\\", "")  # markdown-escaped


def _sidebar_drawn(at: AppTest) -> bool:
    return DEMO_CAPTION in [c.value for c in at.sidebar.caption]


def _put_video(folder, run_id: str) -> None:
    (folder / "videos").mkdir(parents=True, exist_ok=True)
    (folder / "videos" / f"{run_id}.mp4").write_bytes(tiny_mp4())


def test_a_corrupt_database_is_rebuilt_and_the_videos_show_again(quick_demo) -> None:
    folder = quick_demo.data_dir / quick_demo.scope
    _put_video(folder, "run_kept")
    garbage = os.urandom(8192)
    (folder / "runs.sqlite3").write_bytes(garbage)

    at = quick_demo.app()

    assert _sidebar_drawn(at)
    notice = " ".join(w.value for w in at.warning)
    assert "damaged" in notice and "moved aside" in notice and "History" in notice
    assert [p.read_bytes() for p in folder.glob("runs.sqlite3.corrupt-*")] == [garbage]
    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception
    shown = [m.value.replace("\\", "") for m in at.markdown]  # markdown-escaped
    assert any("run_kept (found on disk)" in m for m in shown), shown
    assert len(at.get("video")) == 1, "the video on disk plays again"
    at.button(key="store_recovery_seen").click().run()
    assert not at.exception, at.exception
    assert not any("damaged" in w.value for w in at.warning), "said once, then dismissed"


def test_a_data_dir_that_is_a_file_shows_a_banner_and_the_sidebar(quick_demo, monkeypatch):
    blocker = quick_demo.data_dir.parent / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("MODELHUNTER_DATA_DIR", str(blocker))

    at = quick_demo.app()

    banner = _banner(at)
    assert "can't be read or saved" in banner and str(blocker / quick_demo.scope) in banner
    assert "What to do" in banner and "MODELHUNTER_DATA_DIR" in banner
    assert _sidebar_drawn(at)
    assert any("No videos could be read" in i.value for i in at.info)
    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception
    assert "can't be read or saved" in _banner(at)


def test_the_videos_on_disk_stay_watchable_when_the_database_cannot_open(quick_demo) -> None:
    folder = quick_demo.data_dir / quick_demo.scope
    _put_video(folder, "run_one")
    _put_video(folder, "run_two")
    (folder / "runs.sqlite3").mkdir()  # a folder in the way of the database

    at = quick_demo.app()

    assert "can't be read or saved" in _banner(at)
    assert _sidebar_drawn(at)
    assert sorted(at.selectbox(key="store_ro_video").options) == ["run_one.mp4", "run_two.mp4"]
    assert len(at.get("video")) == 1

    (folder / "runs.sqlite3").rmdir()  # fixed: the next page view works normally
    at.run()
    assert not at.exception, at.exception
    assert not at.error
    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception
    read_only = [s for s in at.selectbox if s.key == "store_ro_video"]
    assert not at.error and not read_only, "the normal gallery, not the read-only one"


def _given_up(demo) -> tuple[Store, str]:
    """A finished, paid run an older version gave up downloading after a disk-full error."""
    client = Client(
        demo.key, base_url=demo.fake.base_url, transport=httpx.MockTransport(demo.fake.handle)
    )
    request = parse_request(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": "dunes"}}
    )
    task_id = client.submit(request).id
    demo.clock.advance(60)
    store = Store(demo.data_dir, demo.scope)
    given_up = Run(
        run_id="run_given_up",
        created_at=demo.clock.now(),
        request=request,
        price=Decimal("0.42"),
        phase="tracking",
        task=client.get_task(task_id),
        video_error="The video could not be downloaded: [Errno 28] No space left on device",
        download_attempts=5,
    )
    store.save(given_up)
    return store, task_id


def test_retry_download_in_the_gallery_fetches_the_video(quick_demo) -> None:
    store, _ = _given_up(quick_demo)
    at = quick_demo.app()
    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception
    assert not at.get("video") and any("could not be downloaded" in w.value for w in at.warning)
    at.button(key="retry_dl|run_given_up").click().run()
    assert not at.exception, at.exception
    assert len(at.get("video")) == 1, "the video plays from local storage"
    stored = store.get("run_given_up")
    assert stored is not None and stored.video_error is None


def test_recover_fetches_a_video_given_up_before_and_clears_the_error(quick_demo) -> None:
    store, task_id = _given_up(quick_demo)
    at = quick_demo.app()
    at.switch_page("app_pages/history.py").run()
    assert not at.exception, at.exception
    assert "✓ in gallery" not in [t.value for t in at.text], "its video is missing"
    at.button(key=f"recover|{task_id}").click().run()
    assert not at.exception, at.exception
    assert "✓ in gallery" in [t.value for t in at.text]
    recovered = store.get("run_given_up")
    assert recovered is not None and recovered.video_error is None
    assert store.video_path(recovered) is not None
    at.switch_page("app_pages/gallery.py").run()
    assert not any("could not be downloaded" in w.value for w in at.warning)
    assert len(at.get("video")) == 1
