"""A monitor's answer is built from plain rows without validating them again (service._answer): the list
sends it as it is, so it must say exactly what MonitorOut, validated from it, says; and each monitor of the
list must read the same as the monitor read on its own."""

import json
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from uptick_common.db.engine import sqlalchemy_url
from uptick_monitors.schemas import MonitorOut, MonitorPage


async def test_list_answer_is_monitor_out(api: httpx.AsyncClient, make_user, database_url: str) -> None:
    alice = await make_user("alice@example.com")
    bodies = [
        {"url": "https://example.com/a", "headers": {"X-Token": "é secret"}, "method": "post", "body": "{}",
         "expected_status": [200, "300 - 302"], "quorum": 1, "confirmation_period_seconds": 30,
         "assertions": ["[BODY].data.items[0].status == UP", {"type": "status", "op": "in", "value": [200, 201]},
                        {"type": "response_time", "op": "<", "value": 500}]},
        {"url": "tcp://db.example.com:5432", "type": "tcp", "regions": ["us-east"], "interval_seconds": 30},
        {"type": "heartbeat", "grace_seconds": 60},
        {"url": "https://example.com/paused", "paused": True},
        {"url": "https://example.com/pending"},
        {"url": "https://example.com/odd", "interval_seconds": 60},
    ]
    ids = []
    for body in bodies:
        answer = await api.post("/api/monitors", headers=alice, json=body)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    now = datetime.now(UTC)
    fresh, stale = now.isoformat(), (now - timedelta(hours=1)).isoformat()
    regions = {
        ids[0]: {"eu-west": {"status": "down", "checked_at": fresh, "latency_ms": None, "http_status": 503,
                             "error": "HTTP 503"},
                 "us-east": {"status": "up", "checked_at": stale, "latency_ms": 12, "http_status": 200,
                             "error": None},
                 "ap-south": {"status": "up", "checked_at": fresh}},  # no longer one of its regions
        ids[1]: {"us-east": {"status": "up", "checked_at": fresh.replace("+00:00", "Z"), "latency_ms": 3}},
        ids[2]: {"push": {"status": "up", "checked_at": fresh, "latency_ms": None, "http_status": None,
                          "error": None, "extra": 1}},
        ids[3]: {"eu-west": {"status": "down", "checked_at": fresh, "error": "timeout"}},
        ids[5]: {"eu-west": {"status": "up", "checked_at": "2026-01-02 03:04:05.5+01:00", "latency_ms": 7}},
    }
    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.begin() as conn:
            for monitor_id, results in regions.items():
                await conn.execute(text(
                    "INSERT INTO monitor_status (monitor_id, status, last_latency_ms, last_checked_at, last_error,"
                    " recent_latencies_ms, regions, status_changed_at) VALUES (:m, 'down', 12, now(), 'HTTP 503',"
                    " '{40,41}', CAST(:r AS jsonb), now() - interval '1 minute')"),
                    {"m": monitor_id, "r": json.dumps(results)})
        listing = await api.get("/api/monitors", headers=alice)
    finally:
        await engine.dispose()
    assert listing.status_code == 200
    assert listing.headers["content-type"] == "application/json"
    got = listing.json()
    assert [m["id"] for m in got["items"]] == ids
    assert [m["region_status"] for m in got["items"]][:2] != [{}, {}]
    validated = MonitorPage(items=[MonitorOut.model_validate(item) for item in got["items"]], next_cursor=None)
    assert listing.content == validated.model_dump_json().encode()
    for item in got["items"]:
        alone = await api.get(f"/api/monitors/{item['id']}", headers=alice)
        assert alone.status_code == 200
        # stale depends on the clock: equal as long as both were computed within the same hour
        assert alone.json() == item


async def test_a_check_stored_invalid_is_shown_as_far_as_it_reads(api: httpx.AsyncClient, make_user,
                                                                   database_url: str) -> None:
    """A definition the API would refuse (written by hand, or by a later version): the monitor is listed and
    read with the options that can be read and the defaults of the others, never a 500."""
    alice = await make_user("alice@example.com")
    created = (await api.post("/api/monitors", headers=alice, json={"url": "https://example.com/"})).json()
    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE monitors SET spec = CAST(:s AS jsonb) WHERE id = :i"), {
                "i": created["id"],
                "s": json.dumps({"method": "BREW", "verify_tls": False, "assertions": [{"type": "nope"}]})})
    finally:
        await engine.dispose()
    listing = await api.get("/api/monitors", headers=alice)
    alone = await api.get(f"/api/monitors/{created['id']}", headers=alice)
    assert listing.status_code == alone.status_code == 200
    assert listing.json()["items"] == [alone.json()]
    assert (alone.json()["method"], alone.json()["verify_tls"], alone.json()["assertions"]) == ("GET", False, [])
