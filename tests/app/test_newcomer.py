"""Issue 13: what a newcomer meets — a form that survives a refresh, a workspace of one's own,
errors where they happen, plain words."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import BROWSER


def _upload(at: AppTest, png: bytes, name: str = "harbour.png") -> None:
    at.file_uploader(key="img|image|0|upload").set_value((name, png, "image/png")).run()
    assert not at.exception, at.exception


def _prompt(at: AppTest) -> str:
    return next(t.value for t in at.text_area if t.label == "Prompt")


def test_a_refresh_brings_back_the_prompt_settings_and_image(quick_demo, png) -> None:
    at = quick_demo.app()
    _upload(at, png)
    at.text_area[0].input("lighthouse at dusk, slow push in").run()
    at.slider[0].set_value(8).run()
    assert not at.exception, at.exception

    again = quick_demo.app()  # the same browser, a new session (a refresh)

    assert _prompt(again) == "lighthouse at dusk, slow push in"
    assert again.slider[0].value == 8
    assert any("harbour.png" in c.value for c in again.caption), "the start image is back"
    assert "$0.672" in again.get("metric")[0].proto.body  # 8 s of v3 Standard: ready to go


def test_another_browser_starts_with_an_empty_form_and_none_of_these_runs(quick_demo, png) -> None:
    at = quick_demo.app()
    _upload(at, png)
    at.text_area[0].input("my private idea").run()
    at.button(key="submit").click().run()
    assert not at.exception, at.exception
    assert "my private idea" in str(at.session_state["kp_session"].runs)

    stranger = quick_demo.app(browser=None)  # a phone that never visited

    assert _prompt(stranger) == ""
    assert stranger.session_state["kp_session"].runs == {}
    stranger.switch_page("app_pages/gallery.py").run()
    assert any("No results yet" in i.value for i in stranger.info)
    stranger.switch_page("app_pages/history.py").run()
    assert not any(t.value.startswith("task_") for t in stranger.text), "nor in History"
    assert BROWSER not in str(stranger.session_state["kp_browser_id"])
