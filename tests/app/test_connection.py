"""The Connection view: the key is checked on entry; recent calls are listed, redacted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from fake_modelhunter import FakeModelHunter, ManualClock, serve

APP = Path(__file__).resolve().parents[2] / "app.py"
SANDBOX = "river_test_" + "c0nn3" * 6 + "ok"


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeModelHunter]:
    fake = FakeModelHunter(clock=ManualClock(), synthesize_videos=False)
    with serve(fake) as base_url:
        monkeypatch.setenv("MODELHUNTER_BASE_URL", base_url)
        monkeypatch.setenv("MODELHUNTER_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.delenv("MODELHUNTER_KEY", raising=False)
        st.cache_data.clear()
        st.cache_resource.clear()
        yield fake
    fake.close()


def _everything(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.success, *at.error, *at.info)]
    parts += [str(m.value) for m in at.metric]
    return "\n".join(str(p) for p in parts)


def test_a_key_typed_in_the_sidebar_is_checked_and_the_calls_are_listed(api) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.sidebar.text_input(key="sidebar_key_input").input(SANDBOX).run()
    assert not at.exception, at.exception
    sidebar = "\n".join(str(c.value) for c in at.sidebar.caption)
    assert "The key works" in sidebar and "balance $" in sidebar

    at.switch_page("app_pages/connection.py").run()
    assert not at.exception, at.exception
    text = _everything(at)
    assert "The key works" in text
    assert api.base_url.split("://")[-1] in text or "127.0.0.1" in text
    log = at.dataframe[0].value
    assert "GET /api/v1/balance" in list(log["request"])
    assert set(log["status"]) >= {"200"}
    every_cell = log.to_string()
    assert SANDBOX not in every_cell and SANDBOX not in text


def test_a_refused_key_says_so_without_showing_it(api) -> None:
    revoked = "river_test_" + "r3v0k" * 6 + "ed"
    api.set_key_state(revoked, "revoked")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.sidebar.text_input(key="sidebar_key_input").input(revoked).run()
    assert not at.exception, at.exception
    sidebar = "\n".join(str(c.value) for c in at.sidebar.caption)
    assert "The key was refused" in sidebar
    assert revoked not in sidebar


def test_demo_mode_says_nothing_leaves_the_machine(api) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("app_pages/connection.py").run()
    assert not at.exception, at.exception
    assert "offline ModelHunter" in _everything(at)


def test_a_new_key_closes_the_old_client(api) -> None:
    """The client of the key no longer in use is closed, not left with open connections."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    demo_client = at.session_state["kp_jobs"][2].client
    at.sidebar.text_input(key="sidebar_key_input").input(SANDBOX).run()
    assert not at.exception, at.exception
    sandbox_client = at.session_state["kp_jobs"][2].client
    assert sandbox_client is not demo_client
    assert demo_client._http.is_closed and not sandbox_client._http.is_closed


def test_the_sidebar_balance_follows_a_live_charge(api, png) -> None:
    live = "river_live_" + "b4l4n" * 6 + "ce"
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.sidebar.text_input(key="sidebar_key_input").input(live).run()
    assert "balance $50.00" in "\n".join(str(c.value) for c in at.sidebar.caption)
    at.file_uploader(key="img|image|0|upload").set_value(("a.png", png, "image/png")).run()
    at.button(key="submit").click().run()
    assert not at.exception, at.exception
    sidebar = "\n".join(str(c.value) for c in at.sidebar.caption)
    assert "balance $49.58" in sidebar, sidebar  # $0.42 charged at submit on a live key
