"""The Generate page in Demo mode: schema-driven form, rules, live price, submit, polling."""

from __future__ import annotations

import io
import re

from PIL import Image
from streamlit.testing.v1 import AppTest


def _labels(at: AppTest) -> set[str]:
    widgets = [*at.segmented_control, *at.slider, *at.text_area, *at.text_input, *at.number_input]
    return {w.label for w in widgets}


def _submit_button(at: AppTest):
    return at.button(key="submit")


def _price(at: AppTest) -> str:
    return at.metric[0].value


def _choose(at: AppTest, label: str, value: object) -> None:
    next(w for w in at.segmented_control if w.label == label).set_value(value).run()
    assert not at.exception, at.exception


def _upload(at: AppTest, png: bytes, name: str = "cat.png") -> None:
    at.file_uploader(key="img|image|0|upload").set_value((name, png, "image/png")).run()
    assert not at.exception, at.exception


def test_v3_form_has_v3_fields_and_v26_form_drops_them(demo) -> None:
    at = demo.app()
    labels = _labels(at)
    assert {"Prompt", "Duration (s)", "Aspect ratio", "Mode", "Sound", "Multi-shot"} <= labels
    duration = at.slider(key="form|kling-v3|input.duration|0")
    assert (duration.min, duration.max, duration.value) == (3, 15, 5)

    _choose(at, "Model", "kling-v2-6")
    labels = _labels(at)
    assert "Multi-shot" not in labels
    assert not any("Element" in b.label for b in at.button)
    durations = next(w for w in at.segmented_control if w.label == "Duration (s)")
    assert list(durations.options) == ["5", "10"]


def test_v26_offers_sound_and_end_frame_only_in_pro(demo) -> None:
    at = demo.app()
    _choose(at, "Model", "kling-v2-6")
    sound = next(w for w in at.segmented_control if w.label == "Sound")
    assert list(sound.options) == ["Off"]
    assert any("End frame" in c.value and "Pro" in c.value for c in at.caption)

    _choose(at, "Mode", "pro")
    sound = next(w for w in at.segmented_control if w.label == "Sound")
    assert list(sound.options) == ["Off", "On"]
    assert any(m.value.startswith("**End frame**") for m in at.markdown)


def test_price_follows_duration_mode_and_sound(demo) -> None:
    at = demo.app()
    assert _price(at) == "$0.42"  # 5 s × $0.084
    at.slider(key="form|kling-v3|input.duration|0").set_value(10).run()
    assert _price(at) == "$0.84"
    _choose(at, "Mode", "pro")
    assert _price(at) == "$1.12"
    _choose(at, "Sound", "on")
    assert _price(at) == "$1.68"
    assert "$0.168/s × 10 s" in at.caption[0].value or any(
        "$0.168/s × 10 s" in c.value for c in at.caption
    )


def test_missing_image_disables_submit_with_the_reason(demo) -> None:
    at = demo.app()
    assert _submit_button(at).disabled
    assert any("Start image is required" in c.value for c in at.caption)


def test_broken_rule_shows_its_message_next_to_the_field(demo, png) -> None:
    at = demo.app()
    _upload(at, png)
    assert not _submit_button(at).disabled
    _choose(at, "Multi-shot", "true")
    errors = [e.value for e in at.error]
    assert any("Manual multi-shot needs at least one shot" in e for e in errors)
    assert _submit_button(at).disabled


def test_switching_model_keeps_values_that_apply(demo) -> None:
    at = demo.app()
    at.text_area(key="form|kling-v3|input.prompt|0").input("slow push in on the harbour").run()
    at.slider(key="form|kling-v3|input.duration|0").set_value(9).run()
    _choose(at, "Aspect ratio", "9:16")
    _choose(at, "Model", "kling-v2-6")
    assert at.text_area(key="form|kling-v2-6|input.prompt|0").value == "slow push in on the harbour"
    aspect = next(w for w in at.segmented_control if w.label == "Aspect ratio")
    assert aspect.value == "9:16"
    duration = next(w for w in at.segmented_control if w.label == "Duration (s)")
    assert duration.value == 10  # 9 s does not exist on v2.6: the nearest that does
    _choose(at, "Model", "kling-v3")
    assert at.text_area(key="form|kling-v3|input.prompt|0").value == "slow push in on the harbour"


def test_submitted_run_reaches_the_gallery_after_polling(demo, png) -> None:
    at = demo.app()
    _upload(at, png)
    at.text_area(key="form|kling-v3|input.prompt|0").input("zoom in on the sun").run()
    _submit_button(at).click().run()
    assert not at.exception, at.exception
    assert any("Submitted" in i.value for i in at.info)  # next to Generate, not a toast
    assert at.progress, "a run in progress shows its progress"

    demo.clock.advance(4)
    at.run()
    assert 0 < at.progress[0].value < 100  # percent
    demo.clock.advance(10)
    at.run()  # poll: succeeded -> video downloaded into the store
    at.run()
    assert not at.exception, at.exception
    assert at.get("video"), "the finished video plays on the Generate page"

    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception
    assert len(at.get("video")) == 1
    assert any("zoom in on the sun" in m.value for m in at.markdown)


def test_api_error_is_shown_in_plain_words(demo, png) -> None:
    at = demo.app()
    _upload(at, png)
    demo.fake.faults.fail_next(429, retry_after=30, match=("POST", "/kling"))
    _submit_button(at).click().run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Not accepted" in errors
    assert "Traceback" not in errors
    assert any("wait" in c.value.lower() for c in at.caption), "says what to do"


def test_an_unconfirmed_submit_is_never_called_not_sent(demo, png) -> None:
    """A 503 page after sending proves nothing: the user is told it may have been charged,
    how to find out, and the submit is never resent on its own."""
    at = demo.app()
    _upload(at, png)
    demo.fake.faults.fail_next(503, html=True, match=("POST", "/kling"))
    _submit_button(at).click().run()
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Submit not confirmed" in warnings and "may have been charged" in warnings
    assert at.button(key=next(b.key for b in at.button if b.key.startswith("check|")))

    demo.clock.advance(180)  # past the automatic lookups
    at.run()
    at.run()
    warnings = " ".join(w.value for w in at.warning)
    assert "may have been charged" in warnings
    assert "Not sent" not in " ".join(e.value for e in at.error)
    lists = sum(1 for r in demo.fake.requests if r.method == "GET" and r.path == "/tasks")
    next(b for b in at.button if b.key.startswith("check|")).click().run()
    assert not at.exception, at.exception
    assert sum(1 for r in demo.fake.requests if r.method == "GET" and r.path == "/tasks") > lists
    posts = [r for r in demo.fake.requests if r.method == "POST" and r.path.startswith("/kling")]
    assert len(posts) == 1, "the submit is never resent on its own"


def test_failed_generation_shows_the_reason_and_what_to_do(demo, png) -> None:
    at = demo.app()
    _upload(at, png)
    at.text_area(key="form|kling-v3|input.prompt|0").input("[fail] a cat").run()
    _submit_button(at).click().run()
    demo.clock.advance(20)
    at.run()
    at.run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Failed" in errors
    assert at.caption, "advice is shown under the error"


def test_shots_are_added_up_to_the_limit_removed_and_checked(demo, png) -> None:
    at = demo.app()
    _upload(at, png)
    _choose(at, "Multi-shot", "true")
    add = next(b for b in at.button if b.label == "Add shot")
    for _ in range(6):
        add.click().run()
        add = next(b for b in at.button if b.label == "Add shot")
    assert add.disabled, "a 7th shot is not offered"
    assert any("maximum: 6 shots" in c.value for c in at.caption)
    labels = [t.label for t in at.text_input]
    named = [x for x in labels if x.startswith("Shot ")]
    assert [f"Shot {n} — Shot prompt" for n in range(1, 7)] == named

    shots = [t for t in at.text_input if t.label.startswith("Shot ")]
    while len(shots) > 2:  # remove from the top: the rest move up and are renumbered
        next(b for b in at.button if b.label == "✕").click().run()
        assert not at.exception, at.exception
        shots = [t for t in at.text_input if t.label.startswith("Shot ")]
    assert [t.label for t in shots] == ["Shot 1 — Shot prompt", "Shot 2 — Shot prompt"]
    assert not next(b for b in at.button if b.label == "Add shot").disabled
    shots[0].input("wide shot of the bay").run()
    next(t for t in at.text_input if t.label.startswith("Shot 2")).input("close-up").run()
    seconds = [n for n in at.number_input if n.label == "Seconds"]
    seconds[0].set_value(2).run()
    seconds = [n for n in at.number_input if n.label == "Seconds"]
    seconds[1].set_value(2).run()
    errors = " ".join(e.value for e in at.error)
    assert "Shot lengths add up to 4 s but the video is 5 s" in errors
    assert at.button(key="submit").disabled
    seconds = [n for n in at.number_input if n.label == "Seconds"]
    seconds[1].set_value(3).run()
    assert not at.button(key="submit").disabled
    assert not at.exception


def test_images_the_api_would_reject_are_refused_before_any_upload(demo) -> None:
    at = demo.app()
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (200, 30, 30)).save(buffer, format="GIF")
    gif = buffer.getvalue()  # a real GIF, named .png
    at.file_uploader(key="img|image|0|upload").set_value(("cat.png", gif, "image/png")).run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "GIF" in errors and ".png" in errors
    assert at.button(key="submit").disabled
    assert not any(r.path.startswith("/files") for r in demo.fake.requests), "nothing uploaded"


def test_a_private_address_is_refused_as_an_image_url(demo) -> None:
    at = demo.app()
    at.text_input(key="img|image|0|url").input("http://127.0.0.1:8080/secret.png").run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error).lower()
    assert "private" in errors or "loopback" in errors or "this computer" in errors, errors
    assert at.button(key="submit").disabled


def test_a_hostile_prompt_and_api_message_are_shown_as_text(demo, png) -> None:
    at = demo.app()
    _upload(at, png)
    hostile = (
        "https://x.example bob@example.com [win](https://evil.example) "
        "<img src=x onerror=alert(1)> **now**"
    )
    at.text_area(key="form|kling-v3|input.prompt|0").input(hostile).run()
    demo.fake.fail_next_task(code="PROVIDER_ERROR", message="[fix it](https://evil.example)")
    _submit_button(at).click().run()
    demo.clock.advance(20)
    at.run()
    at.run()
    assert not at.exception, at.exception
    shown = [m.value for m in (*at.markdown, *at.caption, *at.error)]
    joiner = "\u2060"  # what stops the bare URL and e-mail address being linked
    assert any(f"\\[win\\](https\\:{joiner}//evil.example)" in text for text in shown)
    assert all("](https://evil.example)" not in text for text in shown), "no live links"
    titles = [t for t in shown if "bob@" in t]
    assert titles, shown
    for title in titles:  # bare URLs and e-mail addresses are not autolinked either
        assert f"https\\:{joiner}//x.example bob@{joiner}example.com" in title, title
    assert not [t for t in shown if re.search(r"(?<!\\)<img", t)], "no raw HTML"


def test_rerun_from_the_gallery_fills_the_form_with_those_settings(demo, png) -> None:
    at = demo.app()
    _upload(at, png, name="harbour.png")
    at.text_area(key="form|kling-v3|input.prompt|0").input("pan left along the quay").run()
    at.slider(key="form|kling-v3|input.duration|0").set_value(7).run()
    _choose(at, "Aspect ratio", "9:16")
    _submit_button(at).click().run()
    demo.clock.advance(30)
    at.run()
    at.run()
    # The user moves on: new prompt, other settings, no image.
    at.text_area(key="form|kling-v3|input.prompt|0").input("something else").run()
    _choose(at, "Aspect ratio", "1:1")
    at.button(key="img|image|0|remove").click().run()

    at.switch_page("app_pages/gallery.py").run()
    run_id = next(iter(at.session_state["kp_session"].runs))
    at.button(key=f"rerun|{run_id}").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Generate a video", "Re-run opens the form"
    generation = at.session_state["kp_session"].form_generation
    prompt = at.text_area(key=f"form|kling-v3|input.prompt|{generation}")
    assert prompt.value == "pan left along the quay"
    assert at.slider(key=f"form|kling-v3|input.duration|{generation}").value == 7
    aspect = next(w for w in at.segmented_control if w.label == "Aspect ratio")
    assert aspect.value == "9:16"
    assert any("harbour.png" in c.value for c in at.caption), "the image is back too"
    assert not at.button(key="submit").disabled
    loaded = [i.value for i in at.info]
    assert any("The form now has the settings of" in v and "quay" in v for v in loaded), loaded


def test_a_double_click_submits_once(demo, png) -> None:
    at = demo.app()
    _upload(at, png)
    _submit_button(at).click().run()
    _submit_button(at).click().run()  # the same request again, moments later
    assert not at.exception, at.exception
    assert any("Already submitted" in t.value for t in at.toast)
    assert demo.fake.task_count() == 1


def test_sixteen_metadata_entries_are_refused_at_the_field_before_submit(demo, png) -> None:
    """The API takes 16 entries and the playground adds client_ref to every run: the form
    says so next to the field while the user types, not after Generate."""
    at = demo.app()
    _upload(at, png)
    metadata = at.text_area(key="form|kling-v3|metadata|0")
    assert "Up to 15 entries" in metadata.help and "client_ref" in metadata.help
    metadata.input("\n".join(f"k{n}: v" for n in range(15))).run()
    assert not at.exception, at.exception
    assert not _submit_button(at).disabled, "15 entries leave room for client_ref"

    metadata = at.text_area(key="form|kling-v3|metadata|0")
    metadata.input("\n".join(f"k{n}: v" for n in range(16))).run()
    errors = [_shown(e.value) for e in at.error]
    assert any("at most 15 metadata entries (16 now)" in e and "client_ref" in e for e in errors)
    assert _submit_button(at).disabled
    assert any("Fix 1 problem first" in _shown(c.value) for c in at.caption)
    assert any(e.label == "For developers · 1 problem" for e in at.expander)
    assert not [r for r in demo.fake.requests if r.method == "POST"], "nothing was sent"


def _shown(markdown: str) -> str:
    """What the user reads of escaped markdown."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def test_an_image_too_large_to_preview_is_still_accepted_and_says_so(demo) -> None:
    """A progressive 6000×4000 JPEG would need ~72 MB of server memory to preview: no
    preview, a plain note, and the image still goes with the request."""
    buf = io.BytesIO()
    Image.effect_noise((64, 64), 40).convert("RGB").save(buf, "JPEG", progressive=True)
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc2")  # the progressive frame header: claim 6000×4000
    data[sof + 5 : sof + 9] = (4000).to_bytes(2, "big") + (6000).to_bytes(2, "big")
    at = demo.app()
    at.file_uploader(key="img|image|0|upload").set_value(("big.jpg", bytes(data), "image/jpeg"))
    at.run()
    assert not at.exception, at.exception
    notes = " ".join(_shown(i.value) for i in at.info)
    assert "too large to preview" in notes and "6000 × 4000" in notes, notes
    assert any("big.jpg · 6000×4000 px" in _shown(c.value) for c in at.caption)
    assert not _submit_button(at).disabled


def test_a_value_the_model_had_to_change_stays_changed_when_switching_back(demo) -> None:
    at = demo.app()
    _choose(at, "Mode", "pro")
    _choose(at, "Sound", "on")
    _choose(at, "Model", "kling-v2-6")
    _choose(at, "Mode", "std")
    sound = next(w for w in at.segmented_control if w.label == "Sound")
    assert sound.value == "off"

    _choose(at, "Mode", "pro")  # Pro again: Sound does not turn itself back on
    assert next(w for w in at.segmented_control if w.label == "Sound").value == "off"
    _choose(at, "Model", "kling-v3")  # nor on v3, at three times the price
    assert next(w for w in at.segmented_control if w.label == "Sound").value == "off"
    _choose(at, "Mode", "std")
    assert _price(at) == "$0.42"  # 5 s Standard without sound, not $0.63 with it


def test_v26_standard_explains_the_missing_sound_on(demo) -> None:
    at = demo.app()
    _choose(at, "Model", "kling-v2-6")
    captions = [c.value for c in at.caption]
    assert "**Sound: On** — needs Mode: Pro." in captions, captions
    _choose(at, "Mode", "pro")
    assert not any(c.value.startswith("**Sound: On**") for c in at.caption)


def test_a_chosen_file_is_previewed_and_priced_in_the_same_run(demo, png, monkeypatch) -> None:
    """The file is checked before the page reads the form, not in a first run that then
    reruns: one script run draws the preview and an enabled Generate."""
    import playground.submission

    at = demo.app()
    runs: list[int] = []
    check = playground.submission.check_form
    monkeypatch.setattr(
        playground.submission, "check_form", lambda *a, **k: runs.append(1) or check(*a, **k)
    )
    _upload(at, png)
    assert len(runs) == 1, "one script run after the file was chosen"
    assert len(at.image) == 1, "the framed preview (the samples are gone)"
    assert any(c.value.startswith("cat.png · ") for c in at.caption)
    assert not _submit_button(at).disabled
