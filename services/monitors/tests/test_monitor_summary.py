"""The dashboard's list: GET /api/monitors/summary gives every monitor's state in one answer, and both lists
answer a 304 without a body while nothing changed since the ETag the caller holds."""

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from uptick_common.db.engine import sqlalchemy_url
from uptick_monitors.schemas import MonitorSummary


async def test_summary_is_the_list_without_settings(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    bob = await make_user("bob@example.com")
    for n in range(3):
        created = await api.post("/api/monitors", headers=alice,
                                 json={"url": f"https://example.com/{n}", "headers": {"X-Key": "secret"}})
        assert created.status_code == 201, created.text
    await api.post("/api/monitors", headers=bob, json={"url": "https://bob.example.com/"})
    full = (await api.get("/api/monitors", headers=alice)).json()["items"]
    summary = await api.get("/api/monitors/summary", headers=alice)
    assert summary.status_code == 200
    items = summary.json()["items"]
    assert [set(item) for item in items] == [set(MonitorSummary.model_fields)] * 3  # no headers, body, spec
    assert items == [{name: monitor[name] for name in MonitorSummary.model_fields} for monitor in full]
    assert summary.json()["next_cursor"] is None
    paged = (await api.get("/api/monitors/summary", headers=alice, params={"limit": 2})).json()
    assert len(paged["items"]) == 2 and paged["next_cursor"] == str(items[1]["id"])
    assert (await api.get("/api/monitors/summary", headers=alice, params={"limit": 10_001})).status_code == 422


async def test_an_unchanged_list_is_a_304(api: httpx.AsyncClient, make_user, database_url: str) -> None:
    alice = await make_user("alice@example.com")
    created = (await api.post("/api/monitors", headers=alice, json={"url": "https://example.com/"})).json()
    for path in ("/api/monitors", "/api/monitors/summary"):
        first = await api.get(path, headers=alice)
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "private, no-cache"
        same = await api.get(path, headers={**alice, "If-None-Match": etag})
        assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
        assert (await api.get(path, headers={**alice, "If-None-Match": f'W/{etag}, "other"'})).status_code == 304
    before = {path: (await api.get(path, headers=alice)).headers["etag"]
              for path in ("/api/monitors", "/api/monitors/summary")}
    await api.patch(f"/api/monitors/{created['id']}", headers=alice, json={"paused": True})
    for path, etag in before.items():
        changed = await api.get(path, headers={**alice, "If-None-Match": etag})
        assert changed.status_code == 200 and changed.json()["items"][0]["status"] == "paused"

    # A check's result (ingest's row) changes the dashboard's list too.
    etag = (await api.get("/api/monitors/summary", headers=alice)).headers["etag"]
    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO monitor_status (monitor_id, status, last_latency_ms, last_checked_at, recent_latencies_ms)"
                " VALUES (:m, 'up', 12, now(), '{12}')"), {"m": created["id"]})
    finally:
        await engine.dispose()
    checked = await api.get("/api/monitors/summary", headers={**alice, "If-None-Match": etag})
    assert checked.status_code == 200 and checked.json()["items"][0]["last_latency_ms"] == 12
    again = await api.get("/api/monitors/summary", headers={**alice, "If-None-Match": checked.headers["etag"]})
    assert again.status_code == 304
