"""The user journey of the dashboard, in a real browser on the real stack with a local target: sign up, add a
monitor, see it up, make the target fail and see the incident, open it, acknowledge it, publish a status page
and read it logged out with JavaScript disabled.

Until the monitor form and list are on main, the monitor is added through the API with the session the
browser signed up with (the rest is the dashboard)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import PASSWORD
from tests.browser.harness import check_axe, screenshots
from tests.e2e.helpers import Target, eventually
from uptick_devstack.stack import Stack


async def test_sign_up_monitor_incident_acknowledge_and_a_public_status_page(
        page: Page, stack: Stack, target: Target, browser: Browser, new_email: str) -> None:
    await page.goto("/signup")
    await page.get_by_label("Email").fill(new_email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Monitors", level=1)).to_be_visible()

    login = await page.request.post("/api/auth/login", data={"email": new_email, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {(await login.json())['access_token']}"}
    async with httpx.AsyncClient(base_url=stack.url, timeout=30, headers=auth) as api:
        created = await api.post("/api/monitors", json={"url": target.url, "name": "Shop", "interval_seconds": 10,
                                                        "timeout_seconds": 2})
        assert created.status_code == 201, created.text
        monitor = created.json()

        async def status() -> dict[str, Any] | None:
            answer = (await api.get(f"/api/monitors/{monitor['id']}")).json()
            return answer if answer["status"] in ("up", "down") else None

        up = await eventually(status, timeout=40)
        assert up["status"] == "up" and up["last_latency_ms"] is not None

        target.mode = "error"

        async def incident() -> dict[str, Any] | None:
            items = (await api.get("/api/incidents", params={"monitor_id": monitor["id"]})).json()["items"]
            return items[0] if items else None

        opened = await eventually(incident, timeout=40)

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    row = page.get_by_role("row").filter(has_text="Shop")
    await expect(row).to_contain_text("Open")
    await expect(row).to_contain_text("HTTP 500")  # the reason, in words
    await row.get_by_role("link", name="Shop").click()
    await expect(page).to_have_url(f"/incidents/{opened['id']}")
    await expect(page.locator("dl.facts")).to_contain_text("HTTP 500")
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.locator("dl.facts")).to_contain_text("by you")
    await check_axe(page, "journey-incident")
    await screenshots(page, "journey-incident")

    slug = f"shop-{uuid.uuid4().hex[:8]}"
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Status pages").click()
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
