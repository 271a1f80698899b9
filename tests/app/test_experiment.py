"""Experimenting faster, as a user sees it: a batch table with its total, a Live batch over
budget refused, presets round trip, settings links (hostile ones too), code that sends the
same bytes, the Generate shortcut, History's prompt search."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.batch_panel import WILL_SEND
from components.safe import WORD_JOINER
from components.share_tools import LINK_NOTES
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
    return next(d.value for d in at.dataframe if WILL_SEND in d.value.columns)


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
    assert list(table[WILL_SEND]) == ["yes"] * 6
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
    assert list(table[WILL_SEND]) == ["yes", "no: Sound On needs Mode: Pro on kling-v2-6."]
    assert "for 1 run · 1 left out" in _texts(at)
    assert "Left out: #2: Sound On needs Mode: Pro on kling-v2-6." in _texts(at).replace("\\", "")


def test_a_sent_batch_is_not_sent_again_by_a_second_click(quick_demo, png) -> None:
    at = quick_demo.app()
    _upload(at, png)
    at.text_area(key=Keys.BATCH_PROMPTS).input("a red kite\na blue kite").run()
    at.button(key=Keys.BATCH_SEND).click().run()
    assert quick_demo.fake.task_count() == 2
    assert at.button(key=Keys.BATCH_SEND).disabled
    assert list(_table(at)[WILL_SEND]) == ["sent", "sent"]
    # the second click of a double click reaches the server from the button as it was
    # drawn before the first click's run (still enabled)
    stale = at.button(key=Keys.BATCH_SEND)
    stale.proto.disabled = False
    stale.click().run()
    assert not at.exception, at.exception
    assert quick_demo.fake.task_count() == 2, "the second click sent the batch again"

    at.text_area(key=Keys.BATCH_PROMPTS).input("a red kite\na blue kite\nrain").run()
    assert not at.button(key=Keys.BATCH_SEND).disabled  # another plan: another batch
    at.text_area(key=Keys.BATCH_PROMPTS).input("a red kite\na blue kite").run()
    assert at.button(key=Keys.BATCH_SEND).disabled  # the batch already sent
    at.button(key=Keys.BATCH_AGAIN).click().run()  # on purpose: the same batch once more
    at.button(key=Keys.BATCH_SEND).click().run()
    assert quick_demo.fake.task_count() == 4


def test_the_batch_table_shows_every_setting_in_every_row(quick_demo, png) -> None:
    at = quick_demo.app()
    _upload(at, png)
    at.segmented_control(key="form|kling-v3|input.sound|0").set_value("on").run()
    at.text_area(key=Keys.BATCH_PROMPTS).input("a\nb").run()
    at.multiselect(key=Keys.BATCH_MODELS).set_value(["kling-v3", "kling-v2-6"]).run()
    table = _table(at)
    assert list(table.columns) == ["#", "Prompt", "Model", "Sound", "Price", WILL_SEND]
    assert not table.isna().any().any()  # no "None" cell
    assert list(table["Sound"]) == ["On", "Off (form: On)"] * 2
    assert list(table[WILL_SEND]) == ["yes"] * 4


def test_a_live_batch_over_the_budget_is_blocked_and_nothing_is_sent(
    api,
    monkeypatch,
    png,
) -> None:
    at = _app(monkeypatch, LIVE, MODELHUNTER_BUDGET_USD="1.00")
    _upload(at, png)
    at.text_area(key=Keys.BATCH_PROMPTS).input("one\ntwo\nthree").run()  # 3 × $0.42
    assert at.button(key=Keys.BATCH_SEND).disabled
    said = _texts(at).replace("\\", "")
    assert "This batch ($1.26) would take today's spend" in said
    assert "over the daily budget ($1.00)" in said and "Nothing will be sent." in said
    assert list(_table(at)[WILL_SEND]) == ["no: over the budget"] * 3  # no row claims "yes"
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
    # a form's field is sent with its button (or Enter), as in the browser
    at.text_input(key=Keys.PRESET_NAME).input("Bay, pro")
    at.button(key="preset_save").click().run()
    assert at.text_input(key=Keys.PRESET_NAME).value == ""  # emptied once saved
    assert at.selectbox(key=Keys.PRESET_CHOICE).value == "Bay, pro"
    _prompt(at).input("something else").run()
    at.segmented_control(key="form|kling-v3|input.mode|0").set_value("std").run()

    at.selectbox(key=Keys.PRESET_CHOICE).select("Bay, pro").run()
    at.button(key="preset_apply").click().run()
    assert _prompt(at, gen=1).value == "sunrise over the bay"
    assert at.segmented_control(key="form|kling-v3|input.mode|1").value == "pro"

    at.button(key="preset_rename_go").click().run()  # Rename is always there; no name: said
    assert "Type the new name first." in _texts(at)
    at.text_input(key=Keys.PRESET_RENAME).input("Bay")
    at.button(key="preset_rename_go").click().run()
    assert at.selectbox(key=Keys.PRESET_CHOICE).options == ["Bay"]
    assert at.selectbox(key=Keys.PRESET_CHOICE).value == "Bay"
    assert at.text_input(key=Keys.PRESET_RENAME).value == ""
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
    warned = _link_notes(hostile)
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


def _link_notes(at: AppTest) -> str:
    """What the page says a link left out: at the top of the page, not in a closed panel."""
    boxes = [b for b in at.main.children.values() if getattr(b, "key", None) == LINK_NOTES]
    assert boxes, "no notes about the link at the top of the page"
    notes = [n for n in boxes[0] if getattr(n, "type", None) == "warning"]
    return " ".join(n.value for n in notes).replace("\\", "")


def _open(params: dict[str, str]) -> AppTest:
    """A fresh browser opening the Generate page at `?params`."""
    at = AppTest.from_file(str(Path(__file__).parents[2] / "app.py"), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_settings_link_opens_on_the_model_it_names(quick_demo) -> None:
    at = quick_demo.app()
    at.segmented_control(key=Keys.MODEL).set_value("kling-v2-6").run()
    _prompt(at, model="kling-v2-6").input("waves at night").run()
    at.segmented_control(key="form|kling-v2-6|input.duration|0").set_value(10).run()
    at.button(key=Keys.COPY_LINK).click().run()
    params = {k: at.query_params[k] for k in at.query_params}
    assert params["model"] == "kling-v2-6"

    other = _open(params)  # a fresh browser
    assert other.segmented_control(key=Keys.MODEL).value == "kling-v2-6"
    assert _prompt(other, gen=1, model="kling-v2-6").value == "waves at night"
    assert "$0.42" in " ".join(m.value for m in other.metric) + _texts(other)  # v2.6 10 s
    assert not [w for w in other.warning if "ignored" in w.value]

    at.segmented_control(key=Keys.MODEL).set_value("kling-v3").run()  # the form moved on
    again = quick_demo.app()  # the same browser, its saved form now on v3, opens the link
    for name, value in params.items():
        again.query_params[name] = value
    again.run()
    assert again.segmented_control(key=Keys.MODEL).value == "kling-v2-6"


def test_a_hostile_link_lists_what_it_ignored_and_why_on_the_page(quick_demo) -> None:
    at = _open(
        {
            "model": "kling-v9",
            "duration": "99",
            "aspect_ratio": "21:9",
            "mode": "ultra",
            "prompt": "hi",
            "webhook_url": "https://evil.example/x",
            "image": "javascript:alert(1)",
        }
    )
    notes = _link_notes(at).replace(WORD_JOINER, "")
    assert "except for 6 settings it ignored" in notes
    for reason in (
        "Model “kling-v9”: not one of kling-v3, kling-v2-6",
        "Duration (s) “99”: outside 3–15",
        "Aspect ratio “21:9”: not one of 16:9, 9:16, 1:1",
        "Mode “ultra”: not one of std, pro",
        "webhook address is never taken from a link",
        "Start image “javascript:alert(1)”: only an http(s) image address is taken",
    ):
        assert reason in notes, reason
    raw = " ".join(w.value for w in at.warning)
    assert "https://evil" not in raw  # escaped: no live link in the notes
    assert _prompt(at, gen=1).value == "hi"
    at.button(key=Keys.LINK_NOTES_OK).click().run()  # kept until dismissed
    assert not any("ignored" in w.value for w in at.warning)


def test_the_code_sends_the_same_bytes_as_generate(quick_demo, png) -> None:
    at = quick_demo.app()
    _upload(at, png)
    _prompt(at).input("naïve “quotes” and 'apostrophes'").run()
    assert not any(c.value.startswith("import os") for c in at.code)  # shown on demand
    at.button(key=Keys.SHOW_CODE).click().run()
    assert at.session_state[Keys.CODE_OPEN]  # a wide dialog, open until closed
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
