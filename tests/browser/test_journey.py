"""The user journey of the dashboard, in a real browser on the real stack with a local target: sign up, add a
monitor, see it up with a latency and a sparkline, make the target fail and see it down with its reason and
an incident, open its page, acknowledge the incident, publish a status page and read it logged out with
JavaScript disabled."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import PASSWORD
from tests.browser.harness import check_axe, screenshots
from tests.e2e.helpers import Target
from uptick_devstack.stack import Stack

CHECK_TIMEOUT_MS = 45_000  # a 10 s interval, two regions, a confirmation re-check


async def test_sign_up_monitor_incident_acknowledge_and_a_public_status_page(
        page: Page, stack: Stack, target: Target, browser: Browser, new_email: str) -> None:
    await page.goto("/signup")
    await page.get_by_label("Email").fill(new_email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="No monitors yet")).to_be_visible()

    await page.get_by_role("link", name="Add monitor").first.click()
    await page.get_by_label("URL", exact=True).fill(target.url)
    await page.get_by_label("Name", exact=True).fill("Shop")
    await page.get_by_label("Check every (seconds)").fill("10")
    await page.get_by_role("button", name="Add monitor").click()
    await expect(page.get_by_role("heading", name="Shop", level=1)).to_be_visible()

    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Monitors").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Shop"))
    await expect(row.get_by_role("cell", name="Up", exact=True)).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    await expect(row.locator("td").nth(2)).to_have_text(re.compile(r"^\d+ ms$"))  # its latest response time
    await expect(row.get_by_role("img", name="response times")).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    await screenshots(page, "journey-up")

    target.mode = "error"
    await expect(row.get_by_role("cell", name="Down", exact=True)).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    await expect(row.get_by_text("HTTP 500")).to_be_visible()  # the reason, in words
    await screenshots(page, "journey-down")

    await nav.get_by_role("link", name="Incidents").click()
    incident = page.get_by_role("row").filter(has_text="Shop")
    await expect(incident).to_contain_text("Open")
    await expect(incident).to_contain_text("HTTP 500")
    await incident.get_by_role("link", name="Shop").click()
    await expect(page).to_have_url(re.compile(r"/incidents/\d+$"))
    incident_path = page.url
    await page.locator("dl.facts").get_by_role("link", name="Shop").click()  # the monitor's page
    await expect(page.get_by_role("heading", name="Shop", level=1)).to_be_visible()
    await expect(page.locator(".monitor-head .pill")).to_have_text(re.compile(r"\bDown$"))
    await check_axe(page, "journey-monitor")
    await screenshots(page, "journey-monitor")
    await page.goto(incident_path)
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.locator("dl.facts")).to_contain_text("by you")
    await check_axe(page, "journey-incident")
    await screenshots(page, "journey-incident")

    slug = f"shop-{uuid.uuid4().hex[:8]}"
    await nav.get_by_role("link", name="Status pages").click()
    await page.get_by_role("link", name="Create a status page").first.click()
    await page.get_by_label("Title").fill("Shop status")
    await page.get_by_label("Address (slug)").fill(slug)
    await page.get_by_label("Add a monitor to group 1").select_option(label="Shop")
    await page.get_by_role("button", name="Add", exact=True).click()
    await page.get_by_role("button", name="Create status page").click()
    await expect(page.get_by_role("heading", name="Shop status", level=1)).to_be_visible()

    visitor = await browser.new_context(base_url=stack.url, java_script_enabled=False)
    try:
        public = await visitor.new_page()
        await public.goto(f"/status/{slug}")
        await expect(public.get_by_role("heading", name="Shop status")).to_be_visible()
        await expect(public.get_by_role("heading", name="Shop is down")).to_be_visible()  # its open incident
        await expect(public.get_by_text("Identified, being worked on")).to_be_visible()  # acknowledged
        assert target.url not in await public.content()  # not chosen: hidden
        assert (await visitor.cookies()) == []  # logged out: the visitor has no session
        await screenshots(public, "journey-status-page")
    finally:
        await visitor.close()
