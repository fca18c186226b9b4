"""The public status page as a visitor gets it, logged out: what it shows and hides, its snapshot's ETag, how fast
a state change reaches it (on every replica, after a restart), its JSON and its Atom feed."""

from __future__ import annotations

import asyncio
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from uptick_common.db.engine import sqlalchemy_url
from uptick_monitors.main import build_app
from uptick_monitors.settings import MonitorsSettings

from .htmltree import Element, parse

ATOM = "{http://www.w3.org/2005/Atom}"
SECRET_ERROR = "ConnectionRefusedError: [Errno 111] internal-db-7.corp:5432"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(sqlalchemy_url(database_url))
    yield engine
    await engine.dispose()


@pytest.fixture
def replica(database_url: str, redis_url: str, jwt_keys: tuple[Path, Path]) -> Callable[[], object]:
    """Another monitors process on the same database (its own memory): a context manager giving its client."""

    @asynccontextmanager
    async def start() -> AsyncIterator[httpx.AsyncClient]:
        app = build_app(MonitorsSettings(database_url=database_url, redis_url=redis_url,
                                         jwt_public_key_file=str(jwt_keys[1]), regions=("eu-west", "us-east")))
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                yield client

    return start


async def _status(engine: AsyncEngine, monitor_id: int, status: str, regions: dict | None = None,
                  error: str | None = None) -> None:
    """The monitor's state as ingest writes it."""
    now = datetime.now(UTC)
    results = regions or {r: {"status": status, "checked_at": now.isoformat(), "error": error}
                          for r in ("eu-west", "us-east")}
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO monitor_status (monitor_id, status, last_latency_ms, last_checked_at, last_error, regions,"
            " status_changed_at) VALUES (:m, :s, 12, now(), :e, CAST(:r AS jsonb), clock_timestamp())"
            " ON CONFLICT (monitor_id) DO UPDATE SET status = :s, last_error = :e, regions = CAST(:r AS jsonb),"
            " status_changed_at = clock_timestamp()"), {"m": monitor_id, "s": status, "e": error,
                                                        "r": json.dumps(results)})


async def _day(engine: AsyncEngine, monitor_id: int, days_ago: int, up: int, down: int) -> None:
    bucket = datetime.combine(datetime.now(UTC).date() - timedelta(days=days_ago), datetime.min.time(), UTC)
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO rollups_day (monitor_id, bucket, region, checks, up_checks, down_checks, up_seconds,"
            " down_seconds, latency_count, latency_sum, latency_histogram)"
            " VALUES (:m, :b, 'eu-west', 10, 9, 1, :u, :d, 0, 0, array_fill(0, ARRAY[23]))"),
            {"m": monitor_id, "b": bucket, "u": up, "d": down})


async def _incident(engine: AsyncEngine, org_id: int, monitor_id: int, started: datetime,
                    resolved: datetime | None) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO incidents (org_id, monitor_id, status, started_at, opened_at, resolved_at, cause)"
            " VALUES (:o, :m, :s, :t, :t, :r, :c)"),
            {"o": org_id, "m": monitor_id, "s": "resolved" if resolved else "open", "t": started, "r": resolved,
             "c": SECRET_ERROR})


async def _world(api: httpx.AsyncClient, make_user, engine: AsyncEngine) -> dict:
    alice = await make_user("alice@example.com")
    ids = {}
    for name, url in (("Website", "https://www.acme.example/"), ("API", "https://api-private.acme.example/v1"),
                      ("Old thing", "https://old.acme.example/")):
        made = await api.post("/api/monitors", headers=alice, json={"url": url, "name": name,
                                                                    "paused": name == "Old thing"})
        assert made.status_code == 201, made.text
        ids[name] = made.json()["id"]
    page = await api.post("/api/status-pages", headers=alice, json={
        "slug": "acme", "title": "Acme status", "description": "Everything Acme runs.",
        "groups": [{"name": "Public site", "monitors": [{"monitor_id": ids["Website"], "show_url": True}]},
                   {"name": "Platform", "monitors": [{"monitor_id": ids["API"]}, {"monitor_id": ids["Old thing"]}]}]})
    assert page.status_code == 201, page.text
    async with engine.connect() as conn:
        org_id = await conn.scalar(text("SELECT org_id FROM monitors WHERE id = :m"), {"m": ids["API"]})
    await _status(engine, ids["Website"], "up")
    await _status(engine, ids["API"], "down", error=SECRET_ERROR)
    await _day(engine, ids["Website"], 0, 3600, 0)
    await _day(engine, ids["API"], 3, 86_000, 400)
    now = datetime.now(UTC)
    await _incident(engine, org_id, ids["API"], now - timedelta(days=3, hours=2),
                    now - timedelta(days=3, hours=1, minutes=53))
    await _incident(engine, org_id, ids["API"], now - timedelta(minutes=5), None)
    return {"alice": alice, "ids": ids, "page": page.json(), "org_id": org_id}


def _monitors(doc: Element) -> dict[str, Element]:
    return {li.find("h3").text: li for li in doc.find("main").find_all("li") if li.find_all("h3")
            and li.find_all("div", "bars")}


async def test_the_page_shows_groups_states_and_bars_and_nothing_private(api, make_user, engine) -> None:
    world = await _world(api, make_user, engine)
    answer = await api.get("/status/acme")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["etag"].startswith('"') and "max-age=10" in answer.headers["cache-control"]
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    doc = parse(answer.text)
    assert doc.find("html").attrs["lang"] == "en"
    assert doc.find("h1").text == "Acme status" and "Everything Acme runs." in doc.find("header").text
    headings = [h.text for h in doc.find("main").find_all("h2")]
    assert headings == ["Current status", "Open incidents", "Public site", "Platform", "Past incidents"]
    assert doc.find("p", "banner").text == "Partial outage"
    monitors = _monitors(doc)
    assert list(monitors) == ["Website", "API", "Old thing"]
    states = {name: li.find("p", "state") for name, li in monitors.items()}
    assert {n: s.text.split(" since ")[0] for n, s in states.items()} == {
        "Website": "✓ Operational", "API": "✕ Down", "Old thing": "‖ Paused"}
    assert "down" in states["API"].classes and "up" in states["Website"].classes
    for name, li in monitors.items():
        bars = li.find("div", "bars")
        assert len(bars.find_all("span", "bar")) == 90, name
        assert bars.attrs["role"] == "img" and bars.attrs["aria-label"].startswith(f"Daily uptime of {name}")
    api_bars = monitors["API"].find("div", "bars")
    assert [b for b in api_bars.find_all("span") if "partial" in b.classes or "down" in b.classes][0] \
        is api_bars.find_all("span")[-4]  # three days ago: 400 s down
    assert "1 day with downtime" in api_bars.attrs["aria-label"]
    assert monitors["Website"].find("p", "url").text == "https://www.acme.example/"
    assert not monitors["API"].find_all("p", "url")
    assert "api-private" not in answer.text and "old.acme" not in answer.text
    assert SECRET_ERROR not in answer.text and "Errno" not in answer.text and "internal-db" not in answer.text
    assert "/api/monitors" not in answer.text and "alice" not in answer.text
    (open_incident,) = doc.find_all("li", "open")
    assert open_incident.find("h3").text == "API is down"
    past = [li.find("h3").text for li in doc.find("main").find_all("section")[-1].find_all("li")]
    assert past == ["API was down for 7 min"]
    as_of = doc.find("footer").find("time")
    assert abs(datetime.fromisoformat(as_of.attrs["datetime"]) - datetime.now(UTC)) < timedelta(minutes=1)
    assert "As of" in doc.find("footer").text
    assert not doc.find_all("script")
    assert world["page"]["public_url"] == "/status/acme"


async def test_a_matching_etag_is_a_304(api, make_user, engine) -> None:
    await _world(api, make_user, engine)
    first = await api.get("/status/acme")
    etag = first.headers["etag"]
    again = await api.get("/status/acme", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert "max-age" in again.headers["cache-control"]
    listed = await api.get("/status/acme", headers={"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304
    other = await api.get("/status/acme", headers={"If-None-Match": '"something else"'})
    assert other.status_code == 200 and other.content == first.content
    head = await api.head("/status/acme")
    assert head.status_code == 200 and head.headers["etag"] == etag


async def _until(probe, seconds: float = 5.0):  # noqa: ANN001, ANN202
    """Polls `probe` (bounded: `seconds`, every 0.1 s); the answer and how long it took."""
    started = time.monotonic()
    while True:
        found = await probe()
        if found or time.monotonic() - started > seconds:
            return found, time.monotonic() - started
        await asyncio.sleep(0.1)


async def _state_of(client: httpx.AsyncClient, name: str) -> str:
    return _monitors(parse((await client.get("/status/acme")).text))[name].find("p", "state").text


async def test_a_monitor_going_down_shows_within_seconds_on_every_replica(api, make_user, engine, replica) -> None:
    world = await _world(api, make_user, engine)
    async with replica() as other:
        assert "Operational" in await _state_of(api, "Website")
        assert "Operational" in await _state_of(other, "Website")
        before = (await api.get("/status/acme")).headers["etag"]
        await _status(engine, world["ids"]["Website"], "down", error="HTTP 503")
        for client in (api, other):
            async def down(client: httpx.AsyncClient = client) -> bool:
                return "Down" in await _state_of(client, "Website")
            shown, _ = await _until(down)
            assert shown, "the page still says the monitor is up"
        stale = await api.get("/status/acme", headers={"If-None-Match": before})
        assert stale.status_code == 200 and stale.headers["etag"] != before
        # One region failing, fewer than the quorum: still up, but not silently so.
        now = datetime.now(UTC).isoformat()
        await _status(engine, world["ids"]["Website"], "up", regions={
            "eu-west": {"status": "down", "checked_at": now}, "us-east": {"status": "up", "checked_at": now}})

        async def degraded() -> bool:
            return "Degraded" in await _state_of(other, "Website")
        assert (await _until(degraded))[0]


async def test_a_restarted_replica_serves_the_stored_snapshot(api, make_user, engine, replica) -> None:
    await _world(api, make_user, engine)
    built = await api.get("/status/acme")
    async with replica() as restarted:  # nothing in its memory: the same snapshot, from the table
        again = await restarted.get("/status/acme", headers={"If-None-Match": built.headers["etag"]})
        assert again.status_code == 304


async def test_a_change_of_the_page_shows_within_seconds(api, make_user, engine) -> None:
    world = await _world(api, make_user, engine)
    assert (await api.get("/status/acme")).status_code == 200
    path = f"/api/status-pages/{world['page']['id']}"
    changed = await api.patch(path, headers=world["alice"], json={"title": "Acme, Inc.", "groups": [
        {"name": "Public site", "monitors": [{"monitor_id": world["ids"]["Website"]}]}]})
    assert changed.status_code == 200

    async def renamed() -> Element | None:
        doc = parse((await api.get("/status/acme")).text)
        return doc if doc.find("h1").text == "Acme, Inc." else None
    doc, _ = await _until(renamed)
    assert doc is not None and list(_monitors(doc)) == ["Website"]
    assert not doc.find_all("p", "url")  # no longer chosen
    assert (await api.delete(path, headers=world["alice"])).status_code == 204

    async def gone() -> bool:
        return (await api.get("/status/acme")).status_code == 404
    assert (await _until(gone))[0]


@pytest.mark.parametrize("path", ["/status/nobody", "/status/..%2Fapi", "/status/a/b", "/status",
                                  "/status/" + "x" * 300, "/status/Acme"])
async def test_an_unknown_page_is_a_404_page(api, path: str) -> None:
    answer = await api.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert parse(answer.text).find("h1").text == "No status page here"
    assert (await api.get("/status/nobody.json")).status_code == 404
    assert (await api.get("/status/nobody/feed.atom")).status_code == 404


async def test_the_json_for_embedding(api, make_user, engine) -> None:
    await _world(api, make_user, engine)
    answer = await api.get("/status/acme.json")
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"
    assert answer.headers["content-type"] == "application/json" and answer.headers["etag"]
    page = answer.json()
    assert set(page) == {"page", "as_of", "status", "groups", "incidents", "maintenance"}
    assert page["page"] == {"slug": "acme", "title": "Acme status", "description": "Everything Acme runs.",
                            "url": "/status/acme"}
    assert page["status"] == {"indicator": "partial_outage", "description": "Partial outage"}
    assert [(g["name"], [m["name"] for m in g["monitors"]]) for g in page["groups"]] == [
        ("Public site", ["Website"]), ("Platform", ["API", "Old thing"])]
    website, api_monitor, old = (m for g in page["groups"] for m in g["monitors"])
    assert (website["url"], api_monitor["url"], old["url"]) == ("https://www.acme.example/", None, None)
    assert [m["status"] for m in (website, api_monitor, old)] == ["up", "down", "paused"]
    assert len(api_monitor["days"]) == 90 and api_monitor["days"][-4]["level"] == "partial"
    assert api_monitor["uptime_90d"] == round(100 * 86_000 / 86_400, 3)
    assert website["days"][-1] == {"date": datetime.now(UTC).date().isoformat(), "uptime_percent": 100.0,
                                   "level": "ok"}
    (open_incident,) = page["incidents"]["open"]
    assert open_incident["monitor"] == "API" and open_incident["status"] == "open"
    assert [i["duration_seconds"] for i in page["incidents"]["recent"]] == [420]
    assert SECRET_ERROR not in answer.text and "monitor_id" not in answer.text


async def test_the_atom_feed_has_the_incidents(api, make_user, engine) -> None:
    await _world(api, make_user, engine)
    answer = await api.get("/status/acme/feed.atom")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/atom+xml"
    feed = ET.fromstring(answer.content)  # noqa: S314 - our own answer
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id").startswith("urn:uuid:")
    assert feed.findtext(f"{ATOM}title") == "Acme status: incidents"
    assert datetime.fromisoformat(feed.findtext(f"{ATOM}updated"))
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Acme status"
    links = {link.attrib["rel"]: link.attrib["href"] for link in feed.findall(f"{ATOM}link")}
    assert links == {"self": "http://127.0.0.1:8080/status/acme/feed.atom",
                     "alternate": "http://127.0.0.1:8080/status/acme"}
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["API is down",
                                                             "Resolved: API was down for 7 min"]
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith("urn:uuid:")
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")).tzinfo is not None
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 2
    assert SECRET_ERROR not in answer.text
    again = await api.get("/status/acme/feed.atom")
    feed_again = ET.fromstring(again.content)  # noqa: S314 - our own answer
    assert [e.findtext(f"{ATOM}id") for e in feed_again.findall(f"{ATOM}entry")] == \
        [e.findtext(f"{ATOM}id") for e in entries]


async def test_maintenance_on_now_and_soon_is_shown(api, make_user, engine) -> None:
    world = await _world(api, make_user, engine)
    now = datetime.now(UTC)
    for body in ({"name": "Database upgrade", "monitor_ids": [world["ids"]["API"]], "kind": "once",
                  "starts_at": (now + timedelta(hours=2)).isoformat(),
                  "ends_at": (now + timedelta(hours=3)).isoformat()},
                 {"name": "Network work", "all_monitors": True, "kind": "once",
                  "starts_at": (now - timedelta(minutes=10)).isoformat(),
                  "ends_at": (now + timedelta(minutes=50)).isoformat()},
                 {"name": "Far away", "all_monitors": True, "kind": "once",
                  "starts_at": (now + timedelta(days=20)).isoformat(),
                  "ends_at": (now + timedelta(days=20, hours=1)).isoformat()}):
        made = await api.post("/api/maintenance", headers=world["alice"], json=body)
        assert made.status_code == 201, made.text
    await _status(engine, world["ids"]["Website"], "maintenance")  # as ingest sets it inside the window
    doc = parse((await api.get("/status/acme")).text)
    section = [s for s in doc.find("main").find_all("section") if s.find("h2").text == "Maintenance"][0]
    assert [(li.find("h3").text, li.find("p").text.split(":")[0]) for li in section.find_all("li")] == [
        ("Network work", "Now"), ("Database upgrade", "Scheduled")]
    assert "Affects Website, API, Old thing." in section.find_all("li")[0].text
    assert "Affects API." in section.find_all("li")[1].text
    assert "Maintenance" in _monitors(doc)["Website"].find("p", "state").text
    shown = (await api.get("/status/acme.json")).json()["maintenance"]
    assert [(w["title"], w["monitors"]) for w in shown] == [("Network work", ["Website", "API", "Old thing"]),
                                                            ("Database upgrade", ["API"])]


async def test_a_state_not_as_ingest_writes_it_is_no_500(api, make_user, engine) -> None:
    world = await _world(api, make_user, engine)
    await _status(engine, world["ids"]["Website"], "up", regions={"eu-west": {"status": "sideways"}})
    answer = await api.get("/status/acme")
    assert answer.status_code == 200
    assert "Operational" in _monitors(parse(answer.text))["Website"].find("p", "state").text
    async with engine.connect() as conn:
        token = await conn.scalar(text("SELECT badge_token FROM monitors WHERE id = :m"),
                                  {"m": world["ids"]["Website"]})
    badge = await api.get(f"/api/badges/{token}/status.svg")
    assert badge.status_code == 200 and ">up<" in badge.text
