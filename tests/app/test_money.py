"""Money in the UI: Live budget and spend meter, confirmation above the threshold, Sandbox.

A Live or Sandbox key makes the app talk to the API over HTTP, so these tests point it at the
offline ModelHunter served on loopback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fake_modelhunter import FakeModelHunter

APP = Path(__file__).resolve().parents[2] / "app.py"
LIVE = "river_live_" + "m0ney" * 6 + "ok"
SANDBOX = "river_test_" + "s4ndb" * 6 + "ok"


@pytest.fixture
def api(served_api: FakeModelHunter) -> FakeModelHunter:
    return served_api


def _app(monkeypatch: pytest.MonkeyPatch, key: str, **env: str) -> AppTest:
    monkeypatch.setenv("MODELHUNTER_KEY", key)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _ready(at: AppTest, png: bytes, prompt: str) -> None:
    at.file_uploader(key="img|image|0|upload").set_value(("a.png", png, "image/png")).run()
    at.text_area(key="form|kling-v3|input.prompt|0").input(prompt).run()


def _plain(text: str) -> str:
    """Markdown-escaped text as the user reads it."""
    return text.replace("\\", "")


def _sidebar_text(at: AppTest) -> str:
    """The sidebar's captions and the spend meter's text."""
    captions = [c.value for c in at.sidebar.caption]
    return " ".join(captions + [p.proto.text for p in at.sidebar.get("progress")])


def test_live_budget_blocks_the_run_that_would_exceed_it(api, monkeypatch, png) -> None:
    at = _app(monkeypatch, LIVE, MODELHUNTER_BUDGET_USD="0.50")
    assert "Live" in str(at.sidebar.get("badge")[0].proto) if at.sidebar.get("badge") else True
    _ready(at, png, "first")
    assert not at.button(key="submit").disabled
    at.button(key="submit").click().run()
    assert api.task_count(LIVE) == 1
    assert "Spent $0.42 of $0.50 today" in _sidebar_text(at)

    at.text_area(key="form|kling-v3|input.prompt|0").input("second").run()
    assert at.button(key="submit").disabled
    assert any("over the daily budget ($0.50)" in _plain(c.value) for c in at.caption)
    assert api.task_count(LIVE) == 1


def test_todays_budget_raised_in_one_tab_applies_in_every_tab(api, monkeypatch, png) -> None:
    at = _app(monkeypatch, LIVE, MODELHUNTER_BUDGET_USD="0.50")
    other_tab = AppTest.from_file(str(APP), default_timeout=60)
    other_tab.run()
    _ready(at, png, "first")
    at.button(key="submit").click().run()
    at.number_input(key="sidebar_budget").set_value(2.0).run()
    assert not at.button(key="submit").disabled
    assert "of $2.00 today" in _sidebar_text(at)
    other_tab.run()
    assert other_tab.number_input(key="sidebar_budget").value == 2.0
    assert "Spent $0.42 of $2.00 today" in _sidebar_text(other_tab)


def test_expensive_live_run_needs_confirmation(api, monkeypatch, png) -> None:
    at = _app(monkeypatch, LIVE, MODELHUNTER_CONFIRM_ABOVE_USD="1.00")
    _ready(at, png, "long and loud")
    at.slider(key="form|kling-v3|input.duration|0").set_value(10).run()
    next(w for w in at.segmented_control if w.label == "Mode").set_value("pro").run()
    assert at.metric[0].value == "$1.12"
    at.button(key="submit").click().run()
    assert not at.exception, at.exception
    assert any("This run costs **$1.12**" in m.value for m in at.markdown)
    assert api.task_count(LIVE) == 0, "nothing is sent before the confirmation"
    at.button(key="confirm_pay").click().run()
    assert not at.exception, at.exception
    assert api.task_count(LIVE) == 1


def test_cancelled_confirmation_sends_nothing(api, monkeypatch, png) -> None:
    at = _app(monkeypatch, LIVE, MODELHUNTER_CONFIRM_ABOVE_USD="0.10")
    _ready(at, png, "maybe")
    at.button(key="submit").click().run()
    at.button(key="confirm_cancel").click().run()
    assert not at.exception, at.exception
    assert api.task_count(LIVE) == 0
    assert not any("This run costs" in m.value for m in at.markdown)


def test_sandbox_says_nothing_is_charged_and_has_no_budget(api, monkeypatch, png) -> None:
    at = _app(monkeypatch, SANDBOX, MODELHUNTER_BUDGET_USD="0.10")
    assert any("Sandbox key: nothing is charged" in c.value for c in at.caption)
    _ready(at, png, "free")
    assert not at.button(key="submit").disabled, "the budget applies to Live keys only"
    at.button(key="submit").click().run()
    assert api.task_count(SANDBOX) == 1
    assert api.balance(SANDBOX) == api.balance("river_test_" + "x" * 32)


def test_a_browser_refresh_does_not_reset_the_budget(api, monkeypatch, png) -> None:
    at = _app(monkeypatch, LIVE, MODELHUNTER_BUDGET_USD="0.50")
    _ready(at, png, "first")
    at.button(key="submit").click().run()
    refreshed = AppTest.from_file(str(APP), default_timeout=60)  # a new browser session
    refreshed.run()
    assert "Spent $0.42 of $0.50 today" in _sidebar_text(refreshed)
    _ready(refreshed, png, "second")
    assert refreshed.button(key="submit").disabled


def test_the_meter_shows_what_another_tab_spent(api, monkeypatch, png) -> None:
    at = _app(monkeypatch, LIVE, MODELHUNTER_BUDGET_USD="1.00")
    assert "Spent $0.00 of $1.00 today" in _sidebar_text(at)
    other_tab = AppTest.from_file(str(APP), default_timeout=60)
    other_tab.run()
    _ready(other_tab, png, "spent elsewhere")
    other_tab.button(key="submit").click().run()
    assert api.task_count(LIVE) == 1
    _ready(at, png, "here")  # any rerun of this tab
    assert "Spent $0.42 of $1.00 today" in _sidebar_text(at)
    assert "This month: $0.42" in _sidebar_text(at)


def test_a_stale_confirmation_shows_why_it_was_refused(api, monkeypatch, png) -> None:
    at = _app(
        monkeypatch, LIVE, MODELHUNTER_BUDGET_USD="0.50", MODELHUNTER_CONFIRM_ABOVE_USD="0.10"
    )
    _ready(at, png, "confirm me")
    at.button(key="submit").click().run()
    assert any("This run costs **$0.42**" in m.value for m in at.markdown)
    other_tab = AppTest.from_file(str(APP), default_timeout=60)
    other_tab.run()
    _ready(other_tab, png, "spends the budget first")
    other_tab.button(key="submit").click().run()
    other_tab.button(key="confirm_pay").click().run()
    assert api.task_count(LIVE) == 1

    at.button(key="confirm_pay").click().run()  # the dialog was open all along
    assert not at.exception, at.exception
    assert api.task_count(LIVE) == 1, "the stale dialog sends nothing"
    refusals = [_plain(e.value) for e in at.error]
    assert any("over the daily budget ($0.50)" in r and "Nothing was sent" in r for r in refusals)
    assert "Spent $0.42 of $0.50 today" in _sidebar_text(at)
