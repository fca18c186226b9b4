"""Adding, reading, pausing, editing and deleting a monitor in a real browser: the form with every option and
the API's 422 messages beside their fields, the monitor's page with its chart, regions, checks with timing
phases and incidents, and a monitor managed by Kubernetes, which offers no edit."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import call_api
from tests.browser.harness import check_axe, check_axe_dark, screenshots
from tests.e2e.helpers import FAST, Target

CHECK_TIMEOUT_MS = 45_000


@pytest.fixture(scope="module")
def browser_overrides() -> dict[str, str]:
    return FAST


async def test_add_a_monitor_see_its_page_pause_edit_and_delete(signed_in: Page, target: Target) -> None:
    page = signed_in
    await page.get_by_role("link", name="Add monitor").click()
    await expect(page.get_by_role("heading", name="Add a monitor")).to_be_visible()
    await page.get_by_label("URL").fill(target.url)
    await page.get_by_label("Name").fill("Checkout")
    await page.get_by_label("Check every (seconds)").fill("5")
    await page.get_by_role("button", name="Add an assertion").click()
    await page.get_by_label("Value").fill("two hundred")
    await page.get_by_role("button", name="Add monitor").click()
    # The API's own messages, beside the fields they are about.
    interval = page.locator(".field", has=page.get_by_label("Check every (seconds)"))
    await expect(interval.locator(".field-error")).to_have_text("Input should be greater than or equal to 10")
    await expect(page.get_by_label("Check every (seconds)")).to_have_attribute("aria-invalid", "true")
    value = page.locator(".assertion .field", has=page.get_by_label("Value"))
    await expect(value.locator(".field-error")).to_contain_text("valid integer")
    await expect(page.get_by_role("alert")).to_contain_text("Some values need fixing")
    await check_axe(page, "monitor form with errors")
    await screenshots(page, "monitor-form-errors")
    await check_axe_dark(page, "monitor-form-errors")

    await page.get_by_label("Check every (seconds)").fill("10")
    await page.get_by_label("Value").fill("200")
    await page.get_by_role("button", name="Add monitor").click()
    await expect(page.get_by_role("heading", name="Checkout", level=1)).to_be_visible()
    await expect(page).to_have_url(re.compile(r"/monitors/\d+$"))
    monitor_url = page.url
    await expect(page.locator(".monitor-head .pill")).to_have_text(re.compile(r"\bUp$"), timeout=CHECK_TIMEOUT_MS)
    await expect(page.locator(".chart canvas").first).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    ticks = page.get_by_role("table", name="The latest checks, newest first")
    await expect(ticks.get_by_role("row").nth(1)).to_contain_text(re.compile(r"\d+ ms"))
    regions = page.get_by_role("table", name="Each region's latest check")
    await expect(regions.get_by_role("rowheader")).to_have_text(["eu-west", "us-east"])
    await page.get_by_role("button", name="7 days").click()
    await expect(page.get_by_role("button", name="7 days")).to_have_attribute("aria-pressed", "true")
    await expect(page.locator(".chart canvas").first).to_be_visible()
    await check_axe(page, "monitor page")
    await screenshots(page, "monitor")
    await check_axe_dark(page, "monitor")

    target.mode = "error"
    await expect(page.get_by_text("Down: HTTP 500")).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    incidents = page.get_by_role("region", name="Incidents")
    await expect(incidents.get_by_role("link", name=re.compile("HTTP 500"))).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    await incidents.get_by_role("button", name="Show the timeline").click()
    await expect(incidents.locator("ol.timeline")).to_contain_text("opened")
    await screenshots(page, "monitor-down")

    await page.get_by_role("button", name="Pause").click()
    await expect(page.locator(".monitor-head .pill")).to_have_text(re.compile(r"\bPaused$"))
    await page.get_by_role("button", name="Resume").click()
    await expect(page.get_by_role("button", name="Pause")).to_be_visible()

    await page.get_by_role("link", name="Edit").click()
    await expect(page.get_by_role("heading", name="Edit Checkout")).to_be_visible()
    await expect(page.get_by_label("Value")).to_have_value("200")  # the assertion, as saved
    await page.get_by_label("Name").fill("Checkout page")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("heading", name="Checkout page", level=1)).to_be_visible()
    assert page.url == monitor_url

    await page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete Checkout page?")
    await expect(dialog).to_be_visible()
    await check_axe(page, "delete dialog")
    await dialog.get_by_role("button", name="Delete").click()
    await expect(page.get_by_role("heading", name="No monitors yet")).to_be_visible()


async def test_a_monitor_managed_by_kubernetes_offers_no_edit(signed_in: Page) -> None:
    page = signed_in
    where = "kubernetes:shop/checkout:uid-1"
    monitor = await call_api(page, "POST", "/api/monitors",
                             {"url": "https://127.0.0.1:1/", "name": "From the cluster", "managed_by": where,
                              "paused": True})
    await page.goto(f"/monitors/{monitor['id']}")
    await expect(page.get_by_role("heading", name="From the cluster")).to_be_visible()
    await expect(page.get_by_text(f"Managed by {where}: change it there, not here.")).to_be_visible()
    await expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    await expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    await page.goto(f"/monitors/{monitor['id']}/edit")
    await expect(page.get_by_text(f"This monitor is managed by {where}: change it there.")).to_be_visible()
    await expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    await page.goto("/")
    await expect(page.get_by_role("row").filter(has_text="From the cluster").get_by_text("Kubernetes")).to_be_visible()
