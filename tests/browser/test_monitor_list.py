"""The monitor list in a real browser: a new user's empty state, a monitor of a local target shown up with
its latency and sparkline, then down with its reason as soon as the target fails, without a reload; search,
filter, sort and pages over many monitors; a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text

from tests.browser.conftest import call_api
from tests.browser.harness import check_axe, check_axe_dark, screenshots
from tests.e2e.helpers import FAST, Target
from uptick_common.db.engine import create_engine
from uptick_devstack.stack import Stack

CHECK_TIMEOUT_MS = 45_000  # a 10 s interval, two regions, a confirmation re-check


@pytest.fixture(scope="module")
def browser_overrides() -> dict[str, str]:
    return {**FAST, "UPTICK_QUOTA_MONITORS": "1000"}


async def test_a_monitor_goes_up_then_down_live(signed_in: Page, target: Target) -> None:
    page = signed_in
    await expect(page.get_by_role("heading", name="No monitors yet")).to_be_visible()
    await check_axe(page, "monitors empty")
    await screenshots(page, "monitors-empty")

    await page.evaluate("window.stillTheSamePage = true")
    await call_api(page, "POST", "/api/monitors", {"url": target.url, "name": "Shop front", "interval_seconds": 10})
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Shop front"))
    await expect(row).to_be_visible()  # the next poll brings it, no reload
    await expect(row.get_by_role("cell", name="Up", exact=True)).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    await expect(row.get_by_text(target.url)).to_be_visible()
    await expect(row.locator("td").nth(2)).to_have_text(re.compile(r"^\d+ ms$"))
    await expect(row.get_by_role("img", name="response times")).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    await expect(row.locator("td").nth(3)).to_have_text(re.compile(r"just now|\d+ s ago"))
    await check_axe(page, "monitors")
    await screenshots(page, "monitors")
    await check_axe_dark(page, "monitors")

    target.mode = "error"
    await expect(row.get_by_role("cell", name="Down", exact=True)).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    await expect(row.get_by_text("HTTP 500")).to_be_visible()
    assert await page.evaluate("window.stillTheSamePage === true"), "the page reloaded"
    await screenshots(page, "monitors-down")


async def test_search_filter_sort_and_pages(signed_in: Page, stack: Stack) -> None:
    page = signed_in
    me = await call_api(page, "GET", "/api/auth/me")
    engine = create_engine(stack.config.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:  # 130 paused monitors, as the API would store them
            await conn.execute(text(
                "INSERT INTO monitors (org_id, user_id, name, url, interval_seconds, timeout_seconds, regions, paused)"
                " SELECT o.id, :u, 'svc-' || lpad(n::text, 3, '0'), 'https://svc' || n || '.example.com/', 60, 5,"
                " ARRAY['eu-west', 'us-east'], true"
                " FROM organizations o, generate_series(0, 129) n WHERE o.personal_for = :u"), {"u": me["id"]})
    finally:
        await engine.dispose()
    await page.reload()
    await expect(page.get_by_text("130 monitors: 130 paused")).to_be_visible()
    await expect(page.get_by_text("1–100 of 130")).to_be_visible()
    await expect(page.get_by_role("link", name="svc-000")).to_be_visible()
    await page.get_by_role("button", name="Next").click()
    await expect(page.get_by_text("101–130 of 130")).to_be_visible()
    await expect(page.get_by_role("link", name="svc-129")).to_be_visible()

    await page.get_by_label("Search").fill("svc-12")
    await expect(page.get_by_role("link", name=re.compile("^svc-"))).to_have_count(10)
    await page.get_by_label("Sort").select_option(label="Name")
    await expect(page.get_by_role("link", name=re.compile("^svc-")).first).to_have_text("svc-120")
    await page.get_by_label("Status").select_option(label="Down")
    await expect(page.get_by_role("heading", name="No monitor matches")).to_be_visible()
    await page.get_by_role("button", name="Show every monitor").click()
    await expect(page.get_by_text("1–100 of 130")).to_be_visible()
    await check_axe(page, "monitors many")
    await screenshots(page, "monitors-many")
