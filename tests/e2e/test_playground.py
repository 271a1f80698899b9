"""A first-time user in a real browser: upload, prompt, price, submit, a video that plays."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.e2e


def _upload_and_prompt(page: Page, photo: Path, prompt: str) -> None:
    start_image = page.locator(".st-key-img-image-0-upload")  # not the end frame's uploader
    start_image.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(photo))
    expect(page.locator(".st-key-img-image-0-remove")).to_be_visible(timeout=20_000)
    prompt_box = page.get_by_test_id("stTextArea").locator("textarea").first
    prompt_box.fill(prompt)
    prompt_box.blur()  # commits the value (Ctrl+Enter would also press Generate)


def _generate(page: Page, price: str) -> None:
    button = page.get_by_test_id("stButton").get_by_role("button", name=re.compile("Generate"))
    expect(button).to_contain_text(price)
    expect(button).to_be_enabled()
    button.click()


def _card(page: Page, prompt: str):
    """The result card of the run with this prompt (cards are keyed `card_<run id>`)."""
    return page.locator("[class*='st-key-card_']").filter(has_text=prompt).first


def _wait_in_video(video: Locator, test: str, what: str, timeout_ms: int = 30_000) -> None:
    """Wait in the page until the JS condition `test` (on `v`, the video) holds, checked on each
    `timeupdate`; fail saying `what` after the timeout instead of hanging until the suite's."""
    video.evaluate(
        "(v, [ms, what]) => new Promise((ok, fail) => {"
        f" const t = () => {test};"
        " if (t()) return ok();"
        " v.addEventListener('timeupdate', () => t() && ok());"
        " setTimeout(() => fail(new Error(`${what} (waited ${ms} ms)`)), ms); })",
        [timeout_ms, what],
    )


def _video_playing(page: Page, prompt: str, timeout_ms: int = 60_000) -> dict[str, float]:
    """Play the result video of the run with this prompt; its media facts once it plays."""
    video = _card(page, prompt).locator("video")
    expect(video).to_be_attached(timeout=timeout_ms)
    video.evaluate("(v) => { v.muted = false; return v.play(); }")
    _wait_in_video(video, "v.currentTime > 0.3 && !v.paused", "the video did not start playing")
    return video.evaluate(
        "(v) => ({duration: v.duration, readyState: v.readyState, width: v.videoWidth,"
        " height: v.videoHeight, audioBytes: v.webkitAudioDecodedByteCount || 0,"
        " currentTime: v.currentTime})"
    )


def test_first_time_user_gets_a_playing_video(app: Page, photo_file: Path, artifacts: Path) -> None:
    expect(app.get_by_test_id("stSidebar")).to_contain_text("Demo")
    _upload_and_prompt(app, photo_file, "slow zoom in over the harbour at dusk")
    expect(app.get_by_test_id("stMetric")).to_contain_text("$0.42")
    expect(app.get_by_text("$0.084/s × 5 s")).to_be_visible()
    app.set_viewport_size({"width": 1400, "height": 1500})
    app.get_by_role("heading", name="Generate a video").scroll_into_view_if_needed()
    app.screenshot(path=str(artifacts / "form.png"))
    app.set_viewport_size({"width": 1400, "height": 1000})

    _generate(app, "$0.42")
    expect(app.get_by_text(re.compile(r"Generating|Accepted|Queued"))).to_be_visible(timeout=15_000)
    facts = _video_playing(app, "slow zoom in over the harbour at dusk")
    assert facts["readyState"] >= 3
    assert abs(facts["duration"] - 5) < 0.2, facts
    assert (facts["width"], facts["height"]) == (1280, 720)

    app.get_by_test_id("stSidebarNav").get_by_role("link", name="Gallery").click()
    expect(app.get_by_role("heading", name="Gallery")).to_be_visible()
    expect(app.get_by_text("slow zoom in over the harbour at dusk").first).to_be_visible()
    gallery_video = _video_playing(app, "slow zoom in over the harbour at dusk")
    assert abs(gallery_video["duration"] - 5) < 0.2
    app.screenshot(path=str(artifacts / "gallery.png"), full_page=True)


def test_sound_on_clip_has_audio_and_requested_shape(app: Page, photo_file: Path) -> None:
    _upload_and_prompt(app, photo_file, "orbit around the boats")
    app.get_by_test_id("stSlider").get_by_role("slider").first.focus()
    for _ in range(3):  # 5 s -> 8 s
        app.keyboard.press("ArrowRight")
    app.get_by_role("radio", name="9:16").click()
    app.get_by_role("radio", name="On", exact=True).click()
    expect(app.get_by_test_id("stMetric")).to_contain_text("$1.008")  # 8 s × $0.126
    _generate(app, "$1.008")
    facts = _video_playing(app, "orbit around the boats")
    assert abs(facts["duration"] - 8) < 0.2, facts
    assert (facts["width"], facts["height"]) == (720, 1280)
    audio = _card(app, "orbit around the boats").locator("video")
    _wait_in_video(audio, "v.webkitAudioDecodedByteCount > 0", "no audio was decoded")


def test_refresh_keeps_results_and_resumes_a_run_in_progress(app: Page, photo_file: Path) -> None:
    _upload_and_prompt(app, photo_file, "pan left along the quay")
    _generate(app, "$0.42")
    expect(app.get_by_text("In progress")).to_be_visible(timeout=15_000)
    app.reload()  # a new browser session: the run must come back from the store
    app.get_by_role("heading", name="Generate a video").wait_for()
    app.get_by_test_id("stSidebarNav").get_by_role("link", name="Gallery").click()
    card = _card(app, "pan left along the quay")
    expect(card).to_be_visible(timeout=15_000)
    expect(card.locator("video")).to_be_attached(timeout=60_000)  # finished after the refresh
    app.reload()
    app.get_by_test_id("stSidebarNav").get_by_role("link", name="Gallery").click()
    expect(_card(app, "pan left along the quay").locator("video")).to_be_attached(timeout=20_000)
    _video_playing(app, "pan left along the quay")
