"""A public status page in a real browser, logged out: readable with JavaScript off, no accessibility
violation axe-core calls serious or critical, its one style allowed by the page's policy (the `page` fixture
fails on a CSP refusal), and at desktop and phone sizes (screenshots under .run/artifacts/screenshots/)."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser.harness import DESKTOP, check_axe, screenshots
from tests.e2e.helpers import Target, eventually
from uptick_devstack.stack import Stack


async def _publish(stack: Stack, target: Target, email: str, slug: str) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        body = {"email": email, "password": "correct horse battery"}
        assert (await client.post("/api/auth/signup", json=body)).status_code == 201
        auth = {"Authorization": f"Bearer {(await client.post('/api/auth/login', json=body)).json()['access_token']}"}
        ids = []
        for name, url, paused in (("Website", target.url, False), ("Search", target.url + "?q", False),
                                  ("Legacy API", "https://legacy.example/", True)):
            made = await client.post("/api/monitors", headers=auth, json={
                "url": url, "name": name, "interval_seconds": 10, "timeout_seconds": 2, "paused": paused})
            assert made.status_code == 201, made.text
            ids.append(made.json()["id"])
        page = await client.post("/api/status-pages", headers=auth, json={
            "slug": slug, "title": "Example status", "description": "The services of Example, Inc.",
            "groups": [{"name": "Public", "monitors": [{"monitor_id": ids[0], "show_url": True},
                                                       {"monitor_id": ids[1]}]},
                       {"name": "Old", "monitors": [{"monitor_id": ids[2]}]}]})
        assert page.status_code == 201, page.text

        async def checked() -> bool:
            shown = (await client.get(f"/status/{slug}.json")).json()
            return all(m["status"] != "pending" for g in shown["groups"] for m in g["monitors"])

        await eventually(checked, timeout=30)


async def test_the_public_page_reads_without_javascript_and_passes_axe(page: Page, browser: Browser, stack: Stack,
                                                                        target: Target, new_email: str) -> None:
    await _publish(stack, target, new_email, "example")
    no_js = await browser.new_context(base_url=stack.url, viewport=DESKTOP, java_script_enabled=False)
    try:
        plain = await no_js.new_page()
        await plain.goto("/status/example")
        await expect(plain.get_by_role("heading", level=1)).to_have_text("Example status")
        await expect(plain.get_by_role("status")).to_have_text("All systems operational")
        for name in ("Public", "Old", "Past incidents"):
            await expect(plain.get_by_role("heading", level=2, name=name)).to_be_visible()
        await expect(plain.get_by_role("heading", level=3, name="Website")).to_be_visible()
        await expect(plain.get_by_text("Operational").first).to_be_visible()
        await expect(plain.get_by_text("Paused")).to_be_visible()
        await expect(plain.get_by_role("img", name="Daily uptime of Search")).to_be_visible()
        await expect(plain.get_by_text(target.url, exact=True)).to_be_visible()  # chosen: shown
        assert "legacy.example" not in await plain.content()
    finally:
        await no_js.close()

    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        await page.goto("/status/example")
        await check_axe(page, f"status page ({scheme})")
        await screenshots(page, f"status-page-{scheme}")
    await page.goto("/status/no-such-page")
    await expect(page.get_by_role("heading", level=1)).to_have_text("No status page here")
    await check_axe(page, "status page not found")
