"""Experimenting faster, as a user sees it: a batch table with its total, a Live batch over
budget refused, presets round trip, settings links (hostile ones too), code that sends the
same bytes, the Generate shortcut, History's prompt search."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from modelhunter.wire import submit_body
from playground.code_snippets import token_for
from playground.state import Keys
from playground.store import Store
from tests.app.test_money import LIVE, _app
from tests.app.test_money import api as api  # the Live fixture (pytest finds it by name)

PROMPT = "form|{model}|input.prompt|{gen}"


def _prompt(at: AppTest, gen: int = 0, model: str = "kling-v3"):
    return at.text_area(key=PROMPT.format(model=model, gen=gen))


def _upload(at: AppTest, png: bytes) -> None:
    at.file_uploader(key="img|image|0|upload").set_value(("cat.png", png, "image/png")).run()


def _table(at: AppTest):
    return next(d.value for d in at.dataframe if "Sent?" in d.value.columns)


def _texts(at: AppTest) -> str:
    return " ".join(m.value for m in [*at.markdown, *at.caption, *at.warning, *at.error])


def test_a_batch_lists_every_combination_with_its_price_and_sends_them_as_one_group(
    quick_demo, png
) -> None:
    at = quick_demo.app()
    _upload(at, png)
    _prompt(at).input("base").run()
    at.text_area(key=Keys.BATCH_PROMPTS).input("a red kite\na blue kite\na green kite").run()
    at.multiselect(key=Keys.BATCH_MODES).set_value(["std", "pro"]).run()
    at.multiselect(key=Keys.BATCH_DURATIONS).set_value([5]).run()
    table = _table(at)
    assert len(table) == 6 and set(table["Mode"]) == {"Standard", "Pro"}
    assert list(table["Sent?"]) == ["yes"] * 6
    assert "**Total: $2.94** for 6 runs" in _texts(at)  # 3 × ($0.42 Standard + $0.56 Pro, 5 s)

    at.button(key=Keys.BATCH_SEND).click().run()
    assert not at.exception, at.exception
    assert quick_demo.fake.task_count() == 6
    at.switch_page("app_pages/gallery.py").run()
    group = [m.value for m in at.markdown if "Batch of 6" in m.value]
    assert group and "quoted $2.94" in group[0]
    progress = [p.proto.text for p in at.get("progress") if "of 6 finished" in p.proto.text]
    assert progress == ["0 of 6 finished · 0 videos"]


def test_refused_combinations_are_listed_with_the_reason_and_left_out_of_the_total(
    quick_demo, png
) -> None:
    at = quick_demo.app()
    _upload(at, png)
    at.multiselect(key=Keys.BATCH_MODELS).set_value(["kling-v3", "kling-v2-6"]).run()
    at.multiselect(key=Keys.BATCH_SOUNDS).set_value(["on"]).run()
    table = _table(at)
    assert list(table["Sent?"]) == ["yes", "no: Sound On needs Mode: Pro on kling-v2-6."]
    assert "for 1 run · 1 left out" in _texts(at)


def test_a_live_batch_over_the_budget_is_blocked_and_nothing_is_sent(
    api,
    monkeypatch,
    png,
) -> None:
    at = _app(monkeypatch, LIVE, MODELHUNTER_BUDGET_USD="1.00")
    _upload(at, png)
    at.text_area(key=Keys.BATCH_PROMPTS).input("one\ntwo\nthree").run()  # 3 × $0.42
    assert at.button(key=Keys.BATCH_SEND).disabled
    assert "over the daily budget ($1.00)" in _texts(at).replace("\\", "")
    assert api.task_count(LIVE) == 0

    at.text_area(key=Keys.BATCH_PROMPTS).input("one\ntwo").run()  # $0.84 fits
    at.button(key=Keys.BATCH_SEND).click().run()
    assert api.task_count(LIVE) == 2
    assert "Spent $0.84 of $1.00 today" in " ".join(c.value for c in at.sidebar.caption) + " ".join(
        p.proto.text for p in at.sidebar.get("progress")
    )


def test_a_preset_saves_applies_renames_and_deletes_the_whole_form(quick_demo) -> None:
    at = quick_demo.app()
    _prompt(at).input("sunrise over the bay").run()
    at.segmented_control(key="form|kling-v3|input.mode|0").set_value("pro").run()
    at.text_input(key=Keys.PRESET_NAME).input("Bay, pro").run()
    at.button(key="preset_save").click().run()
    _prompt(at).input("something else").run()
    at.segmented_control(key="form|kling-v3|input.mode|0").set_value("std").run()

    at.selectbox(key=Keys.PRESET_CHOICE).select("Bay, pro").run()
    at.button(key="preset_apply").click().run()
    assert _prompt(at, gen=1).value == "sunrise over the bay"
    assert at.segmented_control(key="form|kling-v3|input.mode|1").value == "pro"

    at.text_input(key=Keys.PRESET_RENAME).input("Bay").run()
    at.button(key="preset_rename_go").click().run()
    assert at.selectbox(key=Keys.PRESET_CHOICE).options == ["Bay"]
    scope = at.session_state["kp_session"].scope  # kept in the workspace's store
    assert Store(quick_demo.data_dir, scope).prompts.presets() == ["Bay"]
    at.button(key="preset_delete").click().run()
    assert "No presets yet" in _texts(at)


def test_sent_prompts_are_listed_searchable_and_one_click_fills_the_form(quick_demo, png) -> None:
    at = quick_demo.app()
    _upload(at, png)
    for prompt in ("a kite over the dunes", "rain on a window"):
        _prompt(at).input(prompt).run()
        at.button(key=Keys.SUBMIT).click().run()
    at.text_input(key=Keys.PROMPT_SEARCH).input("KITE").run()
    assert [t.value for t in at.text if "kite" in t.value or "rain" in t.value] == [
        "a kite over the dunes"
    ]
    at.button(key="use_prompt|prompt|0").click().run()
    assert _prompt(at, gen=1).value == "a kite over the dunes"


def test_a_settings_link_fills_the_form_and_a_hostile_one_fills_only_what_is_valid(
    quick_demo,
) -> None:
    at = quick_demo.app()
    _prompt(at).input("dolly zoom on a lighthouse").run()
    at.segmented_control(key="form|kling-v3|input.aspect_ratio|0").set_value("9:16").run()
    at.button(key=Keys.COPY_LINK).click().run()
    params = {k: at.query_params[k] for k in at.query_params}
    assert params["prompt"] == "dolly zoom on a lighthouse" and params["aspect_ratio"] == "9:16"
    assert not any("river_" in str(v) for v in params.values())

    other = AppTest.from_file(str(Path(__file__).parents[2] / "app.py"), default_timeout=60)
    for name, value in params.items():
        other.query_params[name] = value
    other.run()
    assert _prompt(other, gen=1).value == "dolly zoom on a lighthouse"
    assert other.segmented_control(key="form|kling-v3|input.aspect_ratio|1").value == "9:16"

    hostile = AppTest.from_file(str(Path(__file__).parents[2] / "app.py"), default_timeout=60)
    for name, value in {
        "prompt": "<script>alert(1)</script> **bold**",
        "duration": "9999",
        "mode": "ultra",
        "webhook_url": "https://evil.example/steal",
        "image": "file:///etc/passwd",
        "model": "kling-v3",
        "x" * 300: "y",
        "multi_prompt": "{not json",
    }.items():
        hostile.query_params[name] = value
    hostile.run()
    assert not hostile.exception, hostile.exception
    assert _prompt(hostile, gen=1).value == "<script>alert(1)</script> **bold**"
    warned = " ".join(w.value for w in hostile.warning).replace("\\", "")
    for reason in (
        "outside 3–15",
        "not one of std, pro",
        "webhook address is never taken",
        "only an http(s) image address",
        "not a setting of kling-v3",
        "not a readable list",
    ):
        assert reason in warned, reason
    assert hostile.slider(key="form|kling-v3|input.duration|1").value == 5  # the default kept


def test_the_code_sends_the_same_bytes_as_generate(quick_demo, png) -> None:
    at = quick_demo.app()
    _upload(at, png)
    _prompt(at).input("naïve “quotes” and 'apostrophes'").run()
    python = next(c.value for c in at.code if c.value.startswith("import os"))
    body_line = next(line for line in python.splitlines() if line.startswith("BODY = "))
    scope: dict[str, object] = {}
    exec(body_line, scope)
    assert "upload-url" in python  # the local image is uploaded in three steps first

    at.button(key=Keys.SUBMIT).click().run()
    (run,) = at.session_state["kp_session"].runs.values()
    expected = str(scope["BODY"]).replace(token_for("image"), run.request.input.image)
    assert expected.encode("utf-8") == submit_body(run.request)  # what Client.submit posted
    assert run.request.metadata["client_ref"] == run.run_id


def test_generate_has_the_ctrl_enter_shortcut_and_a_sticky_panel(quick_demo, png) -> None:
    at = quick_demo.app()
    assert at.button(key=Keys.SUBMIT).proto.shortcut == "ctrl+enter"
    assert any("position: sticky" in h.proto.body for h in at.get("html"))


@pytest.mark.parametrize("query", ["kite", "DUNES"])
def test_history_searches_the_prompts_of_runs_this_app_made(quick_demo, png, query) -> None:
    at = quick_demo.app()
    _upload(at, png)
    for prompt in ("a kite over the dunes", "rain on a window"):
        _prompt(at).input(prompt).run()
        at.button(key=Keys.SUBMIT).click().run()
    at.switch_page("app_pages/history.py").run()
    at.text_input(key=Keys.HISTORY_PROMPT).input(query).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.text if "kite" in t.value or "rain" in t.value] == [
        "a kite over the dunes"
    ]
    assert any("The API cannot search prompts" in c.value for c in at.caption)
    assert at.button(key=next(b.key for b in at.button if b.key.startswith("h_rerun|")))
