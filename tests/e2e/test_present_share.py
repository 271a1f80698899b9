"""Presenting and sharing in a real browser: presentation mode steps by keyboard and plays, a
result link opens in a fresh browser, the exported index.html plays from disk, the cost view.

Results are made the way the app keeps them (a real store in the server's data folder, real
H.264 clips from the offline renderer) for one browser, whose id cookie is set beforehand.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserContext, Locator, expect

from fake_modelhunter.synth import SynthRequest, synthesize
from modelhunter.pricing import format_usd
from playground.costs import cost_lines, total
from playground.identity import COOKIE, workspace_scope
from playground.presentation import Selection, selection_params
from playground.result_links import link_params
from playground.settings import scope_for
from playground.store import Store
from tests.e2e.conftest import ARTIFACTS, ROOT, Server
from tests.unit.curated_runs import finished_run

pytestmark = pytest.mark.e2e

BROWSER_ID = "5" * 32
PROMPTS = ["Gulls over the harbour at dawn", "Fog rolling <b>in</b> over the pier"]
VIEW = {"width": 1400, "height": 900}


@dataclass
class Seeded:
    scope: str
    run_ids: list[str]


def _picture(colour: tuple[int, int, int]) -> bytes:
    """A small scene: sky, sea, a sun and a pier, so the clip has something to move over."""
    image = Image.new("RGB", (1280, 720), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 430, 1280, 720), fill=(20, 50, 90))
    draw.ellipse((820, 120, 1020, 320), fill=(250, 205, 90))
    draw.rectangle((120, 400, 620, 440), fill=(70, 45, 30))
    for x in range(140, 620, 80):
        draw.rectangle((x, 440, x + 14, 600), fill=(60, 40, 25))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(demo_server: Server) -> Seeded:
    """Two starred results with playable clips in the Demo workspace of BROWSER_ID."""
    scope = workspace_scope("demo", BROWSER_ID)
    store = Store(demo_server.data_dir, scope)
    ids = []
    for n, (prompt, colour) in enumerate(
        zip(PROMPTS, [(120, 170, 220), (230, 150, 110)], strict=True)
    ):
        image = _picture(colour)
        clip = synthesize(SynthRequest(start_image=image, duration=3, prompt="zoom in"))
        run = finished_run(
            store, f"run_e2e{n}", prompt, minutes=n, video=clip, image=image, starred=True
        )
        ids.append(run.run_id)
    return Seeded(scope, ids)


def _context(browser: Browser, server: Server, *, mine: bool) -> BrowserContext:
    context = browser.new_context(viewport=VIEW, accept_downloads=True)
    if mine:  # the browser that made the results
        context.add_cookies([{"name": COOKIE, "value": BROWSER_ID, "url": server.url}])
    return context


def _playing(video: Locator) -> None:
    video.evaluate(
        "(v) => new Promise((ok, fail) => { const t = () => v.currentTime > 0.2 && !v.paused;"
        " if (t()) return ok(); v.addEventListener('timeupdate', () => t() && ok());"
        " setTimeout(() => fail(new Error('the video did not play')), 20000); })"
    )


def _in_view(page, element: Locator) -> None:
    box = element.bounding_box()
    assert box is not None and box["y"] + box["height"] <= VIEW["height"], "below the fold"


def test_presentation_opens_on_another_screen_steps_by_keyboard_and_plays(
    browser: Browser, demo_server: Server, seeded: Seeded
) -> None:
    context = _context(browser, demo_server, mine=False)  # the meeting-room screen
    page = context.new_page()
    query = urlencode(selection_params(Selection(kind="starred", workspace=seeded.scope)))
    page.goto(f"{demo_server.url}/present?{query}")
    caption = page.locator(".st-key-present_stage").get_by_test_id("stMarkdown").first
    expect(caption).to_contain_text("Gulls over the harbour at dawn", timeout=30_000)
    expect(caption).to_contain_text("1 / 2")
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stHeader")).to_be_hidden()
    video = page.locator(".st-key-present_stage video")
    _playing(video)
    _in_view(page, caption)  # the player fits the screen: caption and buttons above the fold
    _in_view(page, page.get_by_role("button", name="Next"))
    assert video.evaluate("(v) => v.muted && v.loop !== undefined && v.videoWidth") == 1280
    page.screenshot(path=str(ROOT / "test-artifacts" / "present.png"))

    page.keyboard.press("ArrowRight")
    expect(caption).to_contain_text("2 / 2")
    expect(caption).to_contain_text("Fog rolling <b>in</b> over the pier")  # shown as text
    _playing(page.locator(".st-key-present_stage video"))
    page.keyboard.press("Space")
    expect(caption).to_contain_text("1 / 2")
    page.keyboard.press("ArrowLeft")
    expect(caption).to_contain_text("2 / 2")

    page.keyboard.press("p")  # Play all: the slideshow moves on by itself after each clip
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(caption).to_contain_text("1 / 2", timeout=15_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play all")).to_be_visible()
    page.locator("button").filter(has_text=re.compile(r"^2$")).click()  # clips per screen
    expect(page.locator(".st-key-present_stage video")).to_have_count(2)  # a 2-clip grid
    page.get_by_role("button", name="Start image").click()
    expect(page.locator(".st-key-present_stage").get_by_test_id("stImage")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"[?&]grid=2(&|$)"))  # the view is shareable
    for n in range(2):  # a redraw never leaves a clip paused at 0:00
        _playing(page.locator(".st-key-present_stage video").nth(n))
    page.keyboard.press("i")
    expect(page.locator(".st-key-present_stage").get_by_test_id("stImage")).to_have_count(0)
    for n in range(2):
        _playing(page.locator(".st-key-present_stage video").nth(n))
    page.screenshot(path=str(ARTIFACTS / "present-grid.png"))
    context.close()


def test_a_result_link_opens_that_run_in_a_fresh_browser(
    browser: Browser, demo_server: Server, seeded: Seeded
) -> None:
    context = _context(browser, demo_server, mine=False)
    page = context.new_page()
    link = urlencode(link_params(seeded.run_ids[0], seeded.scope))
    assert "river_" not in link
    page.goto(f"{demo_server.url}/gallery?{link}")
    expect(page.get_by_role("heading", name=PROMPTS[0])).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stImage")).to_be_visible()  # the start image
    expect(page.get_by_test_id("stJson")).to_contain_text(PROMPTS[0])  # its settings
    _playing(page.locator("video").first)
    expect(page.get_by_text(PROMPTS[1])).to_have_count(0)  # that run alone
    page.screenshot(path=str(ARTIFACTS / "result-link.png"))
    context.close()


def test_the_exported_index_html_plays_its_videos_from_disk(
    browser: Browser, demo_server: Server, seeded: Seeded, tmp_path: Path
) -> None:
    context = _context(browser, demo_server, mine=True)
    page = context.new_page()
    page.goto(f"{demo_server.url}/gallery")
    build = page.get_by_role("button", name="Export ZIP (2 shown)")
    expect(build).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "gallery-curation.png"), full_page=True)
    build.click()
    download_button = page.get_by_test_id("stDownloadButton").filter(has_text="Download kling-")
    with page.expect_download(timeout=30_000) as info:
        download_button.click()
    archive = tmp_path / info.value.suggested_filename
    info.value.save_as(archive)
    assert archive.name.startswith("kling-") and archive.suffix == ".zip"
    zipfile.ZipFile(archive).extractall(tmp_path / "out")
    index = next((tmp_path / "out").glob("*/index.html"))

    offline = context.new_page()
    offline.goto(index.as_uri())
    videos = offline.locator("video")
    expect(videos).to_have_count(2)
    fog = offline.locator("figcaption").filter(has_text="Fog rolling <b>in</b> over the pier")
    expect(fog).to_have_count(1)  # the prompt as text, not markup
    for n in range(2):
        videos.nth(n).evaluate("(v) => v.play()")
        _playing(videos.nth(n))
    offline.screenshot(path=str(ARTIFACTS / "export-index.png"))
    context.close()


def test_the_cost_view_in_live_mode_shows_spend_and_the_budget_line(browser, live_app) -> None:
    store = Store(live_app.server.data_dir, scope_for(live_app.key))
    for n, cost in enumerate(["0.42", "0.84", "1.26"]):  # charged more than quoted
        run = finished_run(store, f"run_cost{n}", f"take {n}", minutes=n * 60 * 24, cost=cost)
        assert not run.active
    # Other tests share this Live server and key: the total is what the whole ledger says.
    runs = {r.run_id: r for r in store.runs()}
    charged = total(cost_lines(store.ledger.entries(), runs, live=True, tz=UTC)).charged
    assert charged >= Decimal("2.52")
    context = browser.new_context(viewport=VIEW)
    page = context.new_page()
    page.goto(f"{live_app.server.url}/costs")
    expect(page.get_by_test_id("stMetric").filter(has_text="Charged")).to_contain_text(
        format_usd(charged), timeout=30_000
    )
    expect(page.get_by_text("The dashed line is the daily budget: $5.00")).to_be_visible()
    page.screenshot(path=str(ROOT / "test-artifacts" / "costs.png"), full_page=True)
    context.close()


def test_open_brings_the_player_into_view_and_curation_is_labelled_on_a_phone(
    browser: Browser, demo_server: Server, seeded: Seeded
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.add_cookies([{"name": COOKIE, "value": BROWSER_ID, "url": demo_server.url}])
    page = context.new_page()
    page.goto(f"{demo_server.url}/gallery")
    first = seeded.run_ids[0]  # the older one: its tile is below the newest one's player
    tile = page.locator(f".st-key-tile_{first}")
    expect(tile).to_be_visible(timeout=30_000)
    for name in ("Starred", "Hide", "Delete"):  # words as their names, in one compact row
        button = tile.get_by_role("button", name=name, exact=True)
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box is not None and box["width"] < 200, f"{name} is a full-width bar"
    tile.get_by_role("button", name="Open").click()
    player = page.locator(f".st-key-card_{first} video")
    expect(player).to_be_in_viewport(ratio=0.9, timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "gallery-open-phone.png"))
    context.close()
