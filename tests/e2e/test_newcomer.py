"""Issue 13 in a real browser: what AppTest cannot see (the browser's cookie across a reload,
the uploader's own refusal, an expander's open state, a field cleared without a rerun, the
phone layout)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def _open(browser: Browser, server: Server, width: int, height: int) -> Page:
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(server.url)
    page.get_by_text("No picture at hand? Try a sample").wait_for(timeout=30_000)
    return page


def _field(page: Page, label: str):
    return page.get_by_label(label, exact=True).and_(page.locator("input, textarea"))


def test_errors_stay_in_view_and_the_form_survives_a_refresh_in_this_browser_only(
    browser: Browser, demo_server: Server, tmp_path: Path
) -> None:
    page = _open(browser, demo_server, 1440, 900)

    # 1: the expander stays open when its label gains a problem count
    page.get_by_text("For developers", exact=True).click()
    webhook = _field(page, "Webhook URL")
    webhook.fill("http://example.com/hook")
    webhook.press("Tab")
    expect(page.get_by_text("For developers · 1 problem")).to_be_visible()
    error = page.get_by_test_id("stAlertContentError").get_by_text("must be a full https")
    expect(error).to_be_visible()
    webhook.fill("")
    webhook.press("Tab")
    expect(page.get_by_text("For developers · 1 problem")).to_have_count(0)

    # 5: a GIF is refused in words on the page, not by an icon with a hover text
    gif = tmp_path / "party.gif"
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 40, 40)).save(buf, format="GIF")
    gif.write_bytes(buf.getvalue())
    uploader = page.locator(".st-key-img-image-0-upload")
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(gif))
    expect(page.get_by_text("This file is a GIF image").first).to_be_visible(timeout=15_000)
    expect(page.get_by_text(re.compile("Start image refused"))).to_be_visible()

    # 9: the sidebar's key warning goes when the field is cleared
    page.get_by_text("Use an API key").click()
    key = _field(page, "ModelHunter API key")
    key.fill("river_test_oops")
    key.press("Enter")
    warning = page.get_by_test_id("stSidebar").get_by_text("doesn't look like a ModelHunter key")
    expect(warning).to_be_visible()
    key.fill("")
    key.press("Enter")
    expect(warning).to_have_count(0)

    # 3: a sample and its prompt come back after a refresh (the browser's cookie)
    page.get_by_role("radio", name="Lighthouse").click()
    expect(page.get_by_text("lighthouse.jpg ·")).to_be_visible(timeout=15_000)
    page.reload()
    expect(page.get_by_text("lighthouse.jpg ·")).to_be_visible(timeout=30_000)
    prompt = page.get_by_test_id("stTextArea").locator("textarea").first
    expect(prompt).to_have_value(re.compile("slow push in on the lighthouse"))
    assert "lighthouse" not in page.url, "nothing of the form goes into the address"

    # 13: another browser starts afresh
    stranger = _open(browser, demo_server, 1440, 900)
    expect(stranger.get_by_text("lighthouse.jpg ·")).to_have_count(0)
    expect(stranger.get_by_test_id("stTextArea").locator("textarea").first).to_have_value("")
    stranger.context.close()
    page.context.close()


def test_on_a_phone_generate_is_at_hand_and_history_is_labelled(
    browser: Browser, demo_server: Server, artifacts: Path
) -> None:
    page = _open(browser, demo_server, 390, 844)
    page.get_by_role("radio", name="Balloon").click()
    expect(page.get_by_text("balloon.jpg ·")).to_be_visible(timeout=15_000)

    generate = page.locator(".st-key-submit").get_by_role("button", name=re.compile("Generate"))
    expect(generate).to_contain_text("$0.42")
    box = generate.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844, box  # on screen, no scrolling
    expect(generate.locator("kbd")).to_be_hidden()  # no "Ctrl + Enter" on a phone
    models = page.locator(".st-key-model_choice [role=radio]")
    lefts = {round(b["x"]) for b in (models.nth(i).bounding_box() for i in range(2)) if b}
    assert len(lefts) == 1, lefts  # one model a line, both lined up
    page.screenshot(path=str(artifacts / "phone.png"))
    generate.click()
    expect(page.locator("[class*='st-key-card_'] video").first).to_be_attached(timeout=60_000)

    page.goto(demo_server.url + "/history")
    page.get_by_text("1 task in all").wait_for(timeout=30_000)
    status = page.get_by_text("succeeded", exact=True)
    label = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stColumn]')]"
        ".map(c => getComputedStyle(c, '::before').content).filter(c => c !== 'none')"
    )
    assert {'"Task"', '"Status"', '"Model"', '"Created"'} <= set(label), label
    status_box = status.bounding_box()
    assert status_box is not None and status_box["x"] > 60, "the value sits beside its label"
    page.screenshot(path=str(artifacts / "phone-history.png"))
    page.context.close()
