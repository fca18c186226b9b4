"""The dashboard's list page in Chromium for a user with 10,000 monitors: from navigation to the list shown
(the first 100 rows drawn and the count of all 10,000 in words), as `performance.now()` in the page says
(its clock starts at the navigation). The first load fills the browser's cache (the dashboard's files are
cached for a year); the runs after it are a returning visitor's, each in a new tab. Through the stack's
router, as a browser reaches Uptick. Also the list's one request: its bytes, and a poll answered 304.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

import httpx

from uptick_devstack.browser import CHROMIUM, CHROMIUM_ARGS

SHOWN = ("() => document.querySelectorAll('table.monitors tbody tr').length === 100"
         " && (document.querySelector('.counts')?.textContent || '').startsWith('{count} monitors')")


async def run(url: str, email: str, password: str, count: int, quick: bool) -> dict[str, Any]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once, before the browser starts
        return {"skipped": f"no Chromium at {CHROMIUM} (scripts/install-test-tools.sh installs it)"}
    from playwright.async_api import async_playwright

    runs = 3 if quick else 7
    started = time.monotonic()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
        login = await context.request.post("/api/auth/login", data={"email": email, "password": password})
        assert login.ok, await login.text()
        shown_ms = []
        for _ in range(1 + runs):
            page = await context.new_page()
            await page.goto("/", wait_until="commit")
            await page.wait_for_function(SHOWN.format(count=count), timeout=120_000, polling="raf")
            shown_ms.append(round(await page.evaluate("performance.now()"), 1))
            await page.close()
        cookies = {c["name"]: c["value"] for c in await context.cookies()}
        await browser.close()
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=60) as client:
        first = await client.get("/api/monitors/summary")
        assert first.status_code == 200 and len(first.json()["items"]) == count
        began = time.perf_counter()
        unchanged = await client.get("/api/monitors/summary", headers={"If-None-Match": first.headers["etag"]})
        not_modified_ms = round((time.perf_counter() - began) * 1000, 1)
    warm = shown_ms[1:]
    return {"monitors": count, "first_load_ms": shown_ms[0], "p50_ms": round(statistics.median(warm), 1),
            "max_ms": max(warm), "runs": runs, "list_bytes": len(first.content),
            "poll_unchanged_status": unchanged.status_code, "poll_unchanged_ms": not_modified_ms,
            "how": "Chromium (Debian, headless) through the router; navigation → 100 rows and the count shown; "
                   "first load cold, then new tabs of the same browser",
            "seconds": round(time.monotonic() - started, 1)}
