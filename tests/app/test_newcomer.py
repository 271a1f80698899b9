"""Issue 13: what a newcomer meets — a form that survives a refresh, a workspace of one's own,
errors where they happen, plain words."""

from __future__ import annotations

import re

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


def _choose(at: AppTest, label: str, value: object) -> None:
    next(w for w in at.segmented_control if w.label == label).set_value(value).run()
    assert not at.exception, at.exception


def _shown(markdown: str) -> str:
    """What the user reads of escaped markdown."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def _blocked(at: AppTest) -> str:
    return next(_shown(c.value) for c in at.caption if c.value.startswith("Fix "))


def _under_rows(at: AppTest) -> list[str]:
    return [_shown(c.value)[5:-1] for c in at.caption if c.value.startswith(":red[")]


def test_each_voice_row_shows_its_own_problem_and_the_summary_names_the_row(demo, png) -> None:
    at = demo.app()
    _upload(at, png)
    _choose(at, "Sound", "on")
    next(b for b in at.button if b.label == "Add voice").click().run()
    assert not _under_rows(at) and not at.error, "a row just added is not scolded"
    next(b for b in at.button if b.label == "Add voice").click().run()
    first = next(t for t in at.text_input if t.label == "Voice 1 — Voice ID")
    first.input("voice_001").run()
    next(t for t in at.text_input if t.key.endswith(".0.text#2")).input("Hello there").run()
    next(t for t in at.text_input if t.key.endswith(".1.text#2")).input("Hi").run()
    assert not at.exception, at.exception

    under_rows = _under_rows(at)
    assert under_rows == ["Voice 2: the voice ID is missing."], under_rows
    assert "Voice 2: the voice ID is missing." in _blocked(at)
    assert any(e.label == "For developers · 1 problem" for e in at.expander)
    row_fields = [c for c in at.columns if len(c.text_input) == 1]  # a field of a voice row
    assert len(row_fields) >= 4
    for column in row_fields:  # said under the row: its fields stay side by side
        assert not any(c.value.startswith(":red[") for c in column.caption)


def test_row_problems_are_said_in_plain_words(demo, png) -> None:
    at = demo.app()
    _upload(at, png)
    _choose(at, "Sound", "on")
    next(b for b in at.button if b.label == "Add voice").click().run()
    next(t for t in at.text_input if t.label == "Voice 1 — Voice ID").input("voice_001").run()
    next(t for t in at.text_input if t.key.endswith(".0.text#1")).input("x" * 501).run()
    next(b for b in at.button if b.label == "Add element").click().run()
    element = next(n for n in at.number_input if n.label == "Element 1 — Element ID")
    element.set_value(-5).run()
    assert not at.exception, at.exception

    under_rows = _under_rows(at)
    assert "Voice 1: the line is longer than 500 characters." in under_rows, under_rows
    assert "Element 1: the element ID must be a positive number." in under_rows, under_rows
    assert not any("String should" in c or "missing" in c for c in under_rows), under_rows


def test_v26_standard_says_voices_need_pro_first(demo) -> None:
    at = demo.app()
    _choose(at, "Model", "kling-v2-6")

    sound = next(w for w in at.segmented_control if w.label == "Sound")
    assert list(sound.options) == ["Off"]
    assert any(
        c.value == "**Voices** — needs Sound: On, which needs Mode: Pro." for c in at.caption
    ), [c.value for c in at.caption]


def test_a_gif_is_refused_in_plain_words_and_the_summary_says_so(demo) -> None:
    import io

    from PIL import Image

    gif = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 40, 40)).save(gif, format="GIF")
    at = demo.app()
    at.file_uploader(key="img|image|0|upload").set_value(("cat.gif", gif.getvalue(), "image/gif"))
    at.run()
    assert not at.exception, at.exception

    assert any("This file is a GIF image" in e.value for e in at.error)
    assert "Start image refused: This file is a GIF image" in _blocked(at)
    assert "Start image is required" not in _blocked(at)


def test_a_sample_picture_and_an_example_prompt_make_a_ready_run(demo) -> None:
    at = demo.app()
    assert at.button(key="submit").disabled

    at.pills(key="img|image|0|sample").set_value("City at night").run()
    assert not at.exception, at.exception

    assert any("city-night.jpg" in c.value for c in at.caption)
    assert "windows flicker" in _prompt(at)
    aspect = next(w for w in at.segmented_control if w.label == "Aspect ratio")
    assert aspect.value == "9:16"
    assert not at.button(key="submit").disabled
    chips = next(p for p in at.pills if p.label == "Try an example")
    chips.set_value("camera orbits slowly around the subject").run()
    assert _prompt(at) == "camera orbits slowly around the subject"
    assert next(p for p in at.pills if p.label == "Try an example").value is None


def test_submitted_is_said_next_to_generate_and_not_carried_to_the_gallery(quick_demo, png):
    at = quick_demo.app()
    _upload(at, png)
    at.button(key="submit").click().run()
    assert not at.exception, at.exception

    assert any("Submitted" in i.value for i in at.info)
    assert not at.toast, "a toast would follow the user to the next page"
    at.switch_page("app_pages/gallery.py").run()
    assert not at.toast and not any("Submitted" in i.value for i in at.info)


def test_a_multi_shot_run_is_titled_by_its_shots_and_its_settings_read_as_words(quick_demo, png):
    at = quick_demo.app()
    _upload(at, png)
    _choose(at, "Multi-shot", "true")
    for n, text in enumerate(["a lantern flickers", "waves hit the rocks"]):
        next(b for b in at.button if b.label == "Add shot").click().run()
        next(t for t in at.text_input if t.label.startswith(f"Shot {n + 1}")).input(text).run()
    at.button(key="submit").click().run()
    assert not at.exception, at.exception
    quick_demo.clock.advance(60)
    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception

    shown = " ".join(_shown(m.value) for m in at.markdown)
    assert "2 shots: a lantern flickers · waves hit the rocks" in shown
    assert "(no prompt)" not in shown
    assert "**Shot 1:** a lantern flickers" in shown and "**Start image:** harbour.png" in shown
    assert "client_ref" not in shown and not at.json, "the JSON waits behind its toggle"
    video = at.get("video")[0].proto
    assert video.autoplay and video.muted and video.loop


def test_the_sample_pictures_are_named_once(demo) -> None:
    at = demo.app()
    names = list(at.pills(key="img|image|0|sample").options)
    assert "City at night" in names
    captions = [i.caption for img in at.get("image") for i in img.proto.imgs]
    assert len(captions) >= len(names)  # the sample pictures are shown
    assert not any(c in names for c in captions), captions


def test_two_results_with_identical_videos_both_play(quick_demo, png) -> None:
    """The quick demo gives every run the same video file bytes: both cards still play."""
    at = quick_demo.app()
    _upload(at, png)
    for prompt in ("first take", "second take"):
        at.text_area(key="form|kling-v3|input.prompt|0").input(prompt).run()
        at.button(key="submit").click().run()
        assert not at.exception, at.exception
        quick_demo.clock.advance(60)
    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception
    at.switch_page("app_pages/generate.py").run()  # "Your results": a card per run
    assert not at.exception, at.exception
    videos = [v.proto for v in at.get("video")]
    assert len(videos) >= 2 and len({v.url for v in videos}) == 1, "the same bytes"
    assert len({v.alt for v in videos}) == len(videos), "each names its own run"
