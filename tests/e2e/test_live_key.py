"""A Live key in a real browser: Live badge, masked key, spend meter, and the key never leaks.

The app talks over real HTTP to the offline ModelHunter started as its own process
(`python -m fake_modelhunter`), as it would talk to the real API.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_live_run_shows_spend_and_never_leaks_the_key(
    browser: Browser, live_app, photo_file: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(live_app.server.url)
    page.get_by_role("heading", name="Generate a video").wait_for(timeout=30_000)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("Live")
    expect(sidebar).to_contain_text("river_live_****")
    expect(sidebar).to_contain_text("Spent $0.00 of $5.00")

    start_image = page.locator(".st-key-img-image-0-upload")
    start_image.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(photo_file))
    expect(page.locator(".st-key-img-image-0-remove")).to_be_visible(timeout=20_000)
    page.get_by_test_id("stButton").get_by_role("button", name=re.compile("Generate")).click()
    card = page.locator("[class*='st-key-card_']").first
    expect(card.locator("video")).to_be_attached(timeout=60_000)
    expect(card).to_contain_text("charged $0.42")
    expect(sidebar).to_contain_text("Spent $0.42 of $5.00")

    needle = live_app.key
    html = page.content()
    assert needle not in html, "the key is in the page HTML"
    for link in ("Gallery", "History"):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
        page.get_by_role("heading", name=link).wait_for()
        assert needle not in page.content(), f"the key is in the {link} page"
    assert needle not in page.url
    context.close()

    assert not _files_containing(live_app.server.data_dir, needle.encode()), "key in the store"
    assert needle not in live_app.server.log.read_text(errors="replace"), "key in the app log"
    assert needle not in live_app.api_log.read_text(errors="replace"), "key in the API log"
