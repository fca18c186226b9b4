"""A monitor's SVG badges: their URLs in its answer, the value each says, what no token reaches, a new token."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from uptick_common.db.engine import sqlalchemy_url
from uptick_common.history import HOUR

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
async def engine(database_url: str):  # noqa: ANN201
    engine = create_async_engine(sqlalchemy_url(database_url))
    yield engine
    await engine.dispose()


def _said(answer: httpx.Response) -> tuple[str, str]:
    """(label, value) as the badge draws them, checked to be well-formed SVG with a text alternative."""
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(answer.content)  # noqa: S314 - our own answer
    assert root.tag == f"{SVG}svg" and root.attrib["role"] == "img"
    label, value = [t.text for t in root.iter(f"{SVG}text")][1::2]
    assert root.attrib["aria-label"] == root.findtext(f"{SVG}title") == f"{label}: {value}"
    return label, value


async def _monitor(api: httpx.AsyncClient, who: dict[str, str]) -> dict:
    made = await api.post("/api/monitors", headers=who, json={"url": "https://secret-host.example/x", "name": "Shop"})
    assert made.status_code == 201, made.text
    return made.json()


async def test_the_answer_gives_every_badge_and_each_says_its_value(api, make_user, engine: AsyncEngine) -> None:
    alice = await make_user("alice@example.com")
    monitor = await _monitor(api, alice)
    badges = monitor["badges"]
    assert set(badges) == {"status", "uptime_24h", "uptime_7d", "uptime_30d", "latency"}
    token = badges["status"].split("/")[3]
    assert len(token) == 32 and all(url.startswith(f"/api/badges/{token}/") for url in badges.values())
    listed = (await api.get("/api/monitors", headers=alice)).json()["items"]
    assert listed[0]["badges"] == badges
    assert {kind: _said(await api.get(url)) for kind, url in badges.items()} == {
        "status": ("status", "pending"), "uptime_24h": ("uptime 24h", "no data"),
        "uptime_7d": ("uptime 7d", "no data"), "uptime_30d": ("uptime 30d", "no data"),
        "latency": ("response time", "no data")}

    now = datetime.now(UTC)
    today = datetime.combine(now.date(), datetime.min.time(), UTC)
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO monitor_status (monitor_id, status, last_error, regions, status_changed_at)"
            " VALUES (:m, 'down', 'ECONNREFUSED 10.0.0.7', CAST(:r AS jsonb), now())"),
            {"m": monitor["id"], "r": json.dumps({"eu-west": {"status": "down", "checked_at": now.isoformat()}})})
        rollup = ("INSERT INTO {table} (monitor_id, bucket, region, checks, up_checks, down_checks, up_seconds,"
                  " down_seconds, latency_count, latency_sum, latency_histogram)"
                  " VALUES (:m, :b, 'eu-west', 1, 1, 0, :u, :d, :n, :s, array_fill(0, ARRAY[23]))")
        await conn.execute(text(rollup.format(table="rollups_hour")),
                           {"m": monitor["id"], "b": HOUR.floor(now), "u": 3500, "d": 100, "n": 4, "s": 500})
        for days_ago, up, down in ((2, 86_400, 0), (20, 80_000, 6_400)):
            await conn.execute(text(rollup.format(table="rollups_day")), {
                "m": monitor["id"], "b": today - timedelta(days=days_ago), "u": up, "d": down, "n": 0, "s": 0})
    said = {kind: _said(await api.get(url))[1] for kind, url in badges.items()}
    assert said == {"status": "down", "uptime_24h": "97.22%", "uptime_7d": "100%",
                    "uptime_30d": f"{100 * 166_400 / 172_800:.2f}%", "latency": "125 ms"}
    down = await api.get(badges["status"])
    assert 'fill="#c62828"' in down.text  # red: the colour repeats the word
    assert "ECONNREFUSED" not in down.text and "secret-host" not in down.text and "Shop" not in down.text


async def test_badges_are_cached_briefly_and_revalidated(api, make_user) -> None:
    alice = await make_user("alice@example.com")
    url = (await _monitor(api, alice))["badges"]["uptime_30d"]
    first = await api.get(url)
    assert first.headers["cache-control"] == "public, max-age=30" and first.headers["etag"].startswith('"')
    again = await api.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    labelled = await api.get(url, params={"label": '<Shop & "co">'})
    assert _said(labelled) == ('<Shop & "co">', "no data")  # escaped: still well-formed


@pytest.mark.parametrize("path", ["/api/badges/0123456789abcdef0123456789abcdef/status.svg",
                                  "/api/badges/not-a-token!/status.svg", "/api/badges/x/uptime-1y.svg"])
async def test_no_badge_without_a_token(api, path: str) -> None:
    answer = await api.get(path)
    assert answer.status_code in (404, 422)
    assert answer.status_code == 404 or "uptime-1y" in path


async def test_a_new_token_ends_the_old_urls(api, make_user) -> None:
    alice, bob = await make_user("alice@example.com"), await make_user("bob@example.com")
    monitor = await _monitor(api, alice)
    path = f"/api/monitors/{monitor['id']}/badge-token"
    assert (await api.post(path, headers=bob)).status_code == 404
    renewed = await api.post(path, headers=alice)
    assert renewed.status_code == 200, renewed.text
    new = renewed.json()["badges"]
    assert new["status"] != monitor["badges"]["status"]
    assert (await api.get(monitor["badges"]["status"])).status_code == 404
    assert _said(await api.get(new["status"])) == ("status", "pending")
    assert (await api.get(f"/api/monitors/{monitor['id']}", headers=alice)).json()["badges"] == new
