"""A public status page through the router, logged out, while the real pipeline checks its monitor: the
monitor going down shows on the page within seconds of ingest storing it, the feed gets the incident, and a
visitor's cached copy is never confirmed (304) once it is out of date."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import httpx

from tests.e2e.helpers import Target, eventually, sign_up_and_log_in

ATOM = "{http://www.w3.org/2005/Atom}"
SHOWN_WITHIN_SECONDS = 5.0  # a snapshot is checked against the database every second


async def test_a_monitor_going_down_shows_on_its_public_page_within_seconds(stack, target: Target) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client, \
            httpx.AsyncClient(base_url=stack.url, timeout=10) as visitor:
        auth = await sign_up_and_log_in(client, "pat@example.com", "correct horse battery staple")
        created = await client.post("/api/monitors", headers=auth, json={
            "url": target.url, "name": "Checkout", "interval_seconds": 10, "timeout_seconds": 2})
        assert created.status_code == 201, created.text
        monitor = f"/api/monitors/{created.json()['id']}"
        page = await client.post("/api/status-pages", headers=auth, json={
            "slug": "shop", "title": "Shop status", "monitor_ids": [created.json()["id"]]})
        assert page.status_code == 201, page.text

        async def says(word: str) -> httpx.Response | None:
            answer = await visitor.get("/status/shop")
            assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
            return answer if f"</span>{word}" in answer.text else None

        up = await eventually(lambda: says("Operational"), timeout=30)
        assert target.url not in up.text  # not chosen: hidden
        assert (await visitor.get("/status/shop", headers={"If-None-Match": up.headers["etag"]})).status_code == 304

        target.mode = "error"

        async def stored_down() -> bool:
            return (await client.get(monitor, headers=auth)).json()["status"] == "down"

        await eventually(stored_down, timeout=30, every=0.2)
        stored_at = time.monotonic()
        down = await eventually(lambda: says("Down"), timeout=SHOWN_WITHIN_SECONDS, every=0.2)
        print(f"shown {time.monotonic() - stored_at:.2f} s after the API said down")
        assert "HTTP 500" not in down.text and "broken" not in down.text  # no error internals
        again = await visitor.get("/status/shop", headers={"If-None-Match": up.headers["etag"]})
        assert again.status_code == 200 and "</span>Down" in again.text

        async def feed_has_incident() -> list[str] | None:
            feed = ET.fromstring((await visitor.get("/status/shop/feed.atom")).content)  # noqa: S314 - our own answer
            titles = [e.findtext(f"{ATOM}title") or "" for e in feed.findall(f"{ATOM}entry")]
            return titles or None

        assert await eventually(feed_has_incident, timeout=SHOWN_WITHIN_SECONDS) == ["Checkout is down"]
        shown = (await visitor.get("/status/shop.json")).json()
        assert shown["status"]["indicator"] == "major_outage"
        assert shown["groups"][0]["monitors"][0]["status"] == "down"
        missing = await visitor.get("/status/nothing-here")
        assert missing.status_code == 404 and "No status page here" in missing.text
