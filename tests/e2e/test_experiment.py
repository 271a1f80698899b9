"""Experimenting in a real browser: a 3×2 batch (double-clicked) reaches the gallery as one
group, Compare starts two results by itself and plays them in sync, a copied settings link
fills the form (and the model) in another browser, Enter saves and renames a preset."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import ARTIFACTS, Server

pytestmark = pytest.mark.e2e
DOCS = Path(__file__).resolve().parents[2] / "test-artifacts"  # copied to docs/ by hand
PROMPTS = ["a red kite over the dunes", "a blue kite over the sea", "a green kite at dusk"]


def _new_page(browser: Browser, server: Server) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(server.url)
    page.get_by_role("heading", name="Generate a video").wait_for(timeout=30_000)
    return page


def _pick(page: Page, label: str, options: list[str]) -> None:
    """Choose `options` in a multiselect; a rerun that redraws the open list is retried."""
    box = page.get_by_test_id("stMultiSelect").filter(has_text=label)
    for option in options:
        chip = box.get_by_text(option, exact=True)
        for _ in range(5):
            if chip.count():
                break
            box.click()
            try:
                page.get_by_role("option", name=option, exact=True).click(timeout=3_000)
            except PlaywrightTimeoutError:
                page.keyboard.press("Escape")
        expect(chip).to_be_visible()
    page.keyboard.press("Escape")


@pytest.fixture(scope="module")
def batch(browser: Browser, demo_server: Server, photo_file: Path) -> Iterator[Page]:
    """One browser that sent a 3 prompts × 2 modes batch of 3 s clips and opened the Gallery."""
    page = _new_page(browser, demo_server)
    start = page.locator(".st-key-img-image-0-upload")
    start.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(photo_file))
    expect(page.locator(".st-key-img-image-0-remove")).to_be_visible(timeout=20_000)
    page.get_by_text("Variations: try several settings at once").click()
    prompts = page.get_by_label("Prompts, one per line", exact=True)
    prompts.fill("\n".join(PROMPTS))
    prompts.blur()
    _pick(page, "Modes", ["Standard", "Pro"])
    _pick(page, "Durations", ["3"])
    send = page.get_by_role("button", name=re.compile(r"Send 6 runs"))
    expect(send).to_be_enabled(timeout=15_000)
    expect(page.get_by_text(re.compile(r"Total: \$1\.764"))).to_be_visible()
    panel = page.locator(".st-key-batch_expander")
    panel.scroll_into_view_if_needed()
    DOCS.mkdir(exist_ok=True)
    panel.screenshot(path=str(DOCS / "batch-table.png"))
    send.dblclick()  # the second click must not send the batch again
    expect(page.get_by_text("In progress")).to_be_visible(timeout=30_000)
    expect(send).to_be_disabled(timeout=15_000)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Gallery").click()
    yield page
    page.context.close()


def test_a_three_by_two_batch_reaches_the_gallery_as_one_group(batch: Page) -> None:
    group = batch.locator("[class*='st-key-batch_batch_']")
    expect(group).to_have_count(1, timeout=30_000)  # one batch, though Send was double-clicked
    expect(group).to_contain_text("Batch of 6 · Prompt, Mode")
    expect(group).to_contain_text("6 of 6 finished · 6 videos", timeout=240_000)
    expect(group.get_by_test_id("stImage")).to_have_count(6, timeout=30_000)
    group.screenshot(path=str(ARTIFACTS / "batch-group.png"))


def _times(page: Page) -> list[float]:
    return page.locator(".st-key-cmp_media video").evaluate_all(
        "(vs) => vs.map(v => v.currentTime)"
    )


def test_compare_plays_two_results_in_sync_after_play_and_seek(batch: Page) -> None:
    group = batch.locator("[class*='st-key-batch_batch_']")
    expect(group).to_contain_text("6 of 6 finished", timeout=240_000)
    compare = group.get_by_role("link", name=re.compile("Compare"))
    if not compare.is_visible():  # the group is folded to its summary line
        group.get_by_test_id("stExpander").locator("summary").first.click()
    href = compare.get_attribute("href", timeout=30_000) or ""
    ids = parse_qs(urlsplit(href).query)["runs"][0].split(",")
    here = urlsplit(batch.url)
    batch.goto(f"{here.scheme}://{here.netloc}/compare?runs={','.join(ids[:2])}")
    videos = batch.locator(".st-key-cmp_media video")
    expect(videos).to_have_count(2, timeout=30_000)
    batch.wait_for_function(  # they start by themselves (muted), tied together
        "() => [...document.querySelectorAll('.st-key-cmp_media video')]"
        ".every(v => v.__tied === true && !v.paused && v.currentTime > 0.3)",
        timeout=30_000,
    )
    lead = videos.first  # equal lengths: the first leads (the longest would otherwise)
    assert lead.evaluate("v => v.controls") and not videos.last.evaluate("v => v.controls")
    lead.evaluate("v => v.play()")
    batch.wait_for_function(
        "() => document.querySelector('.st-key-cmp_media video').currentTime > 1", timeout=20_000
    )
    played = _times(batch)
    assert max(played) - min(played) <= 0.2, played
    lead.evaluate("v => { v.pause(); v.currentTime = 0.5; }")
    batch.wait_for_function(
        "() => [...document.querySelectorAll('.st-key-cmp_media video')]"
        ".every(v => !v.seeking && v.paused && Math.abs(v.currentTime - 0.5) < 0.05)",
        timeout=20_000,
    )
    seeked = _times(batch)
    assert max(seeked) - min(seeked) <= 0.2, seeked
    lead.evaluate("v => v.play()")
    batch.wait_for_function(
        "() => document.querySelector('.st-key-cmp_media video').currentTime > 1.5",
        timeout=20_000,
    )
    again = _times(batch)
    assert max(again) - min(again) <= 0.2, again
    expect(batch.get_by_text("What differs")).to_be_visible()
    expect(batch.get_by_text("Start images")).to_be_visible()
    batch.screenshot(path=str(DOCS / "compare.png"), full_page=True)


def test_a_copied_settings_link_fills_the_form_in_another_browser(
    browser: Browser, demo_server: Server
) -> None:
    page = _new_page(browser, demo_server)
    page.get_by_role("radio", name=re.compile("Kling v2.6")).click()
    # the v2.6 form is drawn (its duration is a choice): typing into the v3 form's prompt
    # while it is being replaced would lose the text
    expect(page.get_by_role("radio", name="10", exact=True)).to_be_visible()
    prompt = page.get_by_test_id("stTextArea").locator("textarea").first
    expect(prompt).to_be_visible()
    prompt.fill("dolly zoom on a lighthouse")
    prompt.blur()
    page.get_by_role("radio", name="9:16").click()
    page.get_by_role("radio", name="10", exact=True).click()
    page.get_by_text("Share these settings").click()
    page.get_by_role("button", name="Show link to copy").click()
    code = page.locator(".st-key-side_panel").get_by_test_id("stCode")
    expect(code).to_contain_text("prompt=dolly", timeout=15_000)
    link = code.inner_text().replace("\n", "").strip()
    assert "river_" not in link and link.startswith(demo_server.url)
    assert "model=kling-v2-6" in link
    page.context.close()

    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.goto(link)
    other.get_by_role("heading", name="Generate a video").wait_for(timeout=30_000)
    expect(other.get_by_test_id("stTextArea").locator("textarea").first).to_have_value(
        "dolly zoom on a lighthouse", timeout=15_000
    )
    expect(other.get_by_role("radio", name=re.compile("Kling v2.6"))).to_be_checked()
    expect(other.get_by_role("radio", name="9:16")).to_be_checked()
    expect(other.get_by_role("radio", name="10", exact=True)).to_be_checked()
    other.context.close()


def test_a_hostile_link_lists_what_it_ignored_on_the_page(
    browser: Browser, demo_server: Server
) -> None:
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(
        f"{demo_server.url}/?model=kling-v9&duration=99&mode=ultra&prompt=hi"
        "&webhook_url=https://evil.example/x&image=javascript:alert(1)"
    )
    notes = page.locator(".st-key-link_notes")
    expect(notes).to_be_visible(timeout=30_000)  # on the page, not inside a closed panel
    expect(notes).to_contain_text("except for 5 settings it ignored")
    expect(notes).to_contain_text("webhook address is never taken from a link")
    assert notes.locator("a").count() == 0  # nothing in it is a live link
    page.screenshot(path=str(ARTIFACTS / "hostile-link.png"))
    page.context.close()


def test_enter_saves_and_renames_a_preset(browser: Browser, demo_server: Server) -> None:
    page = _new_page(browser, demo_server)
    page.get_by_text("Recent prompts and presets").click()
    page.get_by_role("tab", name="Presets").click()
    name = page.get_by_label("Save the form as")
    name.fill("Lighthouse, slow")
    name.press("Enter")
    preset = page.get_by_role("combobox", name="Preset", exact=True)
    expect(preset).to_have_accessible_name("Preset")
    expect(page.get_by_test_id("stSelectbox").filter(has_text="Preset")).to_match_aria_snapshot(
        '- combobox "Preset": Lighthouse, slow', timeout=15_000
    )
    expect(name).to_have_value("")  # emptied once saved
    rename = page.get_by_label("Rename it to")
    rename.fill("Lighthouse")
    rename.press("Enter")
    expect(page.get_by_test_id("stSelectbox").filter(has_text="Preset")).to_match_aria_snapshot(
        '- combobox "Preset": Lighthouse', timeout=15_000
    )
    expect(rename).to_have_value("")
    page.context.close()
