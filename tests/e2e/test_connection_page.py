"""The Connection page in a real browser, on a Live key served by the offline API over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.e2e


def test_connection_page_checks_the_key_and_lists_calls_without_it(
    browser: Browser, live_app
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(live_app.server.url)
    page.get_by_role("heading", name="Generate a video").wait_for(timeout=30_000)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("The key works", timeout=20_000)

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Connection").click()
    page.get_by_role("heading", name="Connection").wait_for()
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("The key works")
    expect(main).to_contain_text("Base URL")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "connection.png"), full_page=True)
    assert live_app.key not in page.content()
    assert live_app.key not in page.url
    context.close()
