"""The history API over rollup rows written as ingest writes them: uptime with a maintenance window and an
unknown stretch, percentiles, the resolution a range is served from, daily bars, the SLA report (JSON and
CSV), the list's 24-hour and 30-day uptime; another user's monitor is a 404, a bad range a 422."""

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from uptick_common.db.engine import sqlalchemy_url
from uptick_common.history import HISTOGRAM_SIZE
from uptick_common.streams import CheckResult, job_id
from uptick_ingest.store import write_batch

NOW = datetime.now(UTC)
DAY = datetime.combine(NOW.date() - timedelta(days=5), datetime.min.time(), UTC)  # a past day, served hourly


@pytest.fixture
async def db(database_url: str):
    engine = create_async_engine(sqlalchemy_url(database_url))
    yield engine
    await engine.dispose()


def histogram(index: int, count: int) -> list[int]:
    counts = [0] * HISTOGRAM_SIZE
    counts[index] = count
    return counts


async def add_rollup(db, table: str, monitor: int, region: str, bucket: datetime, *, up: int = 0, down: int = 0,
                     maintenance: int = 0, checks: int = 60, latency: tuple[int, int, int] | None = None) -> None:
    """One rollup row; `latency` = (histogram bucket, min, max) of all its checks."""
    index, low, high = latency or (0, None, None)
    async with db.begin() as conn:
        await conn.execute(text(
            f"INSERT INTO {table} (monitor_id, bucket, region, checks, up_checks, down_checks, up_seconds,"  # noqa: S608
            " down_seconds, maintenance_seconds, latency_count, latency_min, latency_max, latency_sum,"
            " latency_histogram) VALUES (:m, :b, :r, :c, :uc, :dc, :u, :d, :mt, :lc, :lo, :hi, :ls, :h)"),
            {"m": monitor, "b": bucket, "r": region, "c": checks, "uc": checks if up else 0,
             "dc": checks if down else 0, "u": up, "d": down, "mt": maintenance, "lc": checks if latency else 0,
             "lo": low, "hi": high, "ls": (checks * ((low or 0) + (high or 0)) // 2) if latency else 0,
             "h": histogram(index, checks if latency else 0)})


async def new_monitor(api: httpx.AsyncClient, user: dict[str, str], db, name: str = "site") -> int:
    answer = await api.post("/api/monitors", headers=user, json={"url": "https://example.com/", "name": name,
                                                                 "interval_seconds": 60})
    assert answer.status_code == 201, answer.text
    monitor = answer.json()["id"]
    async with db.begin() as conn:  # it has existed for a while
        await conn.execute(text("UPDATE monitors SET created_at = :t WHERE id = :m"),
                           {"t": NOW - timedelta(days=60), "m": monitor})
    return monitor


async def test_uptime_excludes_maintenance_and_never_counts_unknown_time_as_up(api, make_user, db) -> None:
    alice = await make_user("alice@example.com")
    monitor = await new_monitor(api, alice, db)
    for hour in range(24):
        at = DAY + timedelta(hours=hour)
        await add_rollup(db, "rollups_hour", monitor, "us-east", at, up=3600, latency=(3, 31, 48))
        if hour < 12:
            await add_rollup(db, "rollups_hour", monitor, "eu-west", at, up=3600, latency=(6, 101, 140))
        elif hour < 14:  # a maintenance window
            await add_rollup(db, "rollups_hour", monitor, "eu-west", at, maintenance=3600)
        elif hour < 18:
            await add_rollup(db, "rollups_hour", monitor, "eu-west", at, down=3600)
        # from 18:00 eu-west is silent: unknown
    answer = await api.get(f"/api/monitors/{monitor}/uptime", headers=alice,
                           params={"from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["from"], body["to"], body["resolution"]) == (
        DAY.isoformat().replace("+00:00", "Z"), (DAY + timedelta(days=1)).isoformat().replace("+00:00", "Z"), "hour")
    eu = body["regions"]["eu-west"]
    assert eu["uptime_percent"] == 75.0  # 12 h up of 16 h up or down: maintenance and the silent 6 h count for neither
    assert (eu["up_seconds"], eu["down_seconds"], eu["maintenance_seconds"], eu["unknown_seconds"]) == (
        12 * 3600, 4 * 3600, 2 * 3600, 6 * 3600)
    assert body["regions"]["us-east"]["uptime_percent"] == 100.0
    assert body["uptime_percent"] == 90.0  # 36 h up of 40 h, over both regions
    assert (body["unknown_seconds"], body["maintenance_seconds"]) == (6 * 3600, 2 * 3600)
    assert body["regions"]["us-east"]["latency_ms"] | {"avg": None} == {
        "min": 31, "max": 48, "p50": 48, "p95": 48, "p99": 48, "avg": None}  # bucket 30–50 ms, within min–max
    assert body["latency_ms"]["min"] == 31 and body["latency_ms"]["max"] == 140
    assert (body["latency_ms"]["p50"], body["latency_ms"]["p95"]) == (50, 140)  # 1,440 checks ≤ 50 ms, 720 ≤ 150 ms
    assert body["checks"] == 24 * 60 + 18 * 60


async def test_a_range_is_served_from_the_resolution_that_fits(api, make_user, db) -> None:
    alice = await make_user("alice@example.com")
    monitor = await new_monitor(api, alice, db)
    minute = NOW.replace(second=0, microsecond=0) - timedelta(minutes=10)
    await add_rollup(db, "rollups_minute", monitor, "eu-west", minute, up=60, checks=2)
    await add_rollup(db, "rollups_day", monitor, "eu-west", DAY - timedelta(days=100), down=86400, checks=1440)
    last_day = (await api.get(f"/api/monitors/{monitor}/uptime", headers=alice)).json()
    assert (last_day["resolution"], last_day["checks"], last_day["uptime_percent"]) == ("minute", 2, 100.0)
    assert last_day["unknown_seconds"] > 0  # the rest of the day, both regions: no checks, not up
    year = (await api.get(f"/api/monitors/{monitor}/uptime", headers=alice,
                          params={"from": (NOW - timedelta(days=365)).isoformat()})).json()
    assert (year["resolution"], year["checks"], year["uptime_percent"]) == ("day", 1440, 0.0)
    week = (await api.get(f"/api/monitors/{monitor}/uptime", headers=alice,
                          params={"from": (NOW - timedelta(days=7)).isoformat()})).json()
    assert (week["resolution"], week["checks"], week["uptime_percent"]) == ("hour", 0, None)


async def test_checks_ingest_stores_show_in_the_uptime(api, make_user, db) -> None:
    alice = await make_user("alice@example.com")
    monitor = await new_monitor(api, alice, db)
    start_ms = int((NOW - timedelta(minutes=30)).timestamp() * 1000)
    results = [CheckResult(job_id=job_id(monitor, "eu-west", start_ms + n * 60_000), monitor_id=monitor,
                           region="eu-west", scheduled_ms=start_ms + n * 60_000, checked_ms=start_ms + n * 60_000,
                           status="down" if n % 4 == 0 else "up", latency_ms=20 + n) for n in range(20)]
    async with db.begin() as conn:
        await write_batch(conn, results + results[:5])  # five of them delivered twice
    body = (await api.get(f"/api/monitors/{monitor}/uptime", headers=alice)).json()
    eu = body["regions"]["eu-west"]
    assert (eu["checks"], eu["down_checks"], eu["uptime_percent"]) == (20, 5, 75.0)
    assert (eu["latency_ms"]["min"], eu["latency_ms"]["max"], eu["latency_ms"]["avg"]) == (20, 39, 29.5)


async def test_daily_bars_oldest_first_with_unknown_days(api, make_user, db) -> None:
    alice = await make_user("alice@example.com")
    monitor = await new_monitor(api, alice, db)
    yesterday = datetime.combine(NOW.date() - timedelta(days=1), datetime.min.time(), UTC)
    for region in ("eu-west", "us-east"):
        await add_rollup(db, "rollups_day", monitor, region, yesterday, up=86400 - 864, down=864, checks=1440)
    answer = await api.get(f"/api/monitors/{monitor}/daily", headers=alice, params={"days": 3})
    items = answer.json()["items"]
    assert [item["date"] for item in items] == [str(NOW.date() - timedelta(days=n)) for n in (2, 1, 0)]
    assert items[1]["uptime_percent"] == 99.0 and items[1]["unknown_seconds"] == 0
    assert items[0]["uptime_percent"] is None and items[0]["unknown_seconds"] == 2 * 86400  # no checks: unknown
    assert len((await api.get(f"/api/monitors/{monitor}/daily", headers=alice)).json()["items"]) == 90


async def test_the_sla_report_per_monitor_and_for_the_organization(api, make_user, db) -> None:
    alice = await make_user("alice@example.com")
    web = await new_monitor(api, alice, db, name="web")
    api_monitor = await new_monitor(api, alice, db, name="=HYPERLINK(\"http://evil\")")
    start = DAY
    async with db.begin() as conn:
        await conn.execute(text(
            "INSERT INTO incidents (org_id, monitor_id, status, started_at, opened_at, resolved_at)"
            " SELECT org_id, id, 'resolved', :s, :s, :e FROM monitors WHERE id = :m"), [
            {"m": web, "s": start + timedelta(hours=1), "e": start + timedelta(hours=1, minutes=30)},
            {"m": web, "s": start + timedelta(hours=5), "e": start + timedelta(hours=5, minutes=10)},
            # began before the period: only its part inside counts as downtime
            {"m": api_monitor, "s": start - timedelta(hours=1), "e": start + timedelta(hours=1)},
        ])
    for hour in range(24):
        await add_rollup(db, "rollups_hour", web, "eu-west", start + timedelta(hours=hour), up=3600)
    params = {"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()}
    report = (await api.get("/api/reports/sla", headers=alice, params=params)).json()
    by_name = {m["name"]: m for m in report["monitors"]}
    assert by_name["web"] | {"monitor_id": 0} == {
        "monitor_id": 0, "name": "web", "uptime_percent": 100.0, "downtime_minutes": 40.0,
        "maintenance_minutes": 0.0, "unknown_percent": 50.0, "incidents": 2, "mttr_minutes": 20.0,
        "longest_outage_minutes": 30.0}
    other = by_name['=HYPERLINK("http://evil")']
    assert (other["downtime_minutes"], other["incidents"], other["mttr_minutes"]) == (60.0, 1, 120.0)
    assert other["uptime_percent"] is None and other["unknown_percent"] == 100.0
    assert report["organization"] == {"monitors": 2, "uptime_percent": 100.0, "downtime_minutes": 100.0,
                                 "maintenance_minutes": 0.0, "unknown_percent": 75.0, "incidents": 3,
                                 "mttr_minutes": 53.33, "longest_outage_minutes": 120.0}

    answer = await api.get("/api/reports/sla", headers=alice, params={**params, "format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["name"] for row in rows] == ["web", '\'=HYPERLINK("http://evil")', "(organization)"]
    assert rows[0]["downtime_minutes"] == "40.0" and rows[2]["incidents"] == "3"

    bob = await make_user("bob@example.com")  # sees his own (none), never alice's
    assert (await api.get("/api/reports/sla", headers=bob, params=params)).json()["monitors"] == []


async def test_the_list_carries_24_hour_and_30_day_uptime(api, make_user, db) -> None:
    alice = await make_user("alice@example.com")
    monitor = await new_monitor(api, alice, db)
    quiet = await new_monitor(api, alice, db)
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    await add_rollup(db, "rollups_hour", monitor, "eu-west", hour - timedelta(hours=2), up=3000, down=600)
    await add_rollup(db, "rollups_hour", monitor, "eu-west", hour - timedelta(hours=30), down=3600)  # older
    await add_rollup(db, "rollups_day", monitor, "eu-west", DAY, up=86400 * 3 // 4, down=86400 // 4)
    items = {m["id"]: m for m in (await api.get("/api/monitors", headers=alice)).json()["items"]}
    assert (items[monitor]["uptime_24h"], items[monitor]["uptime_30d"]) == (83.3333, 75.0)
    assert (items[quiet]["uptime_24h"], items[quiet]["uptime_30d"]) == (None, None)
    single = (await api.get(f"/api/monitors/{monitor}", headers=alice)).json()
    assert (single["uptime_24h"], single["uptime_30d"]) == (83.3333, 75.0)


async def test_another_users_monitor_is_not_found_and_bad_ranges_are_422(api, make_user, db) -> None:
    alice, bob = await make_user("alice@example.com"), await make_user("bob@example.com")
    monitor = await new_monitor(api, alice, db)
    for path in (f"/api/monitors/{monitor}/uptime", f"/api/monitors/{monitor}/daily", "/api/monitors/999/uptime"):
        answer = await api.get(path, headers=bob)
        assert answer.status_code == 404 and answer.json() == {"detail": "monitor not found"}
    bad = [
        ("uptime", {"from": NOW.isoformat(), "to": (NOW - timedelta(hours=1)).isoformat()}, "from must be before"),
        ("uptime", {"from": (NOW + timedelta(days=1)).isoformat()}, "from must be before"),
        ("uptime", {"from": (NOW - timedelta(days=2000)).isoformat()}, "at most 5 years"),
        ("uptime", {"from": "yesterday"}, None),
        ("uptime", {"from": "0001-01-01T00:00:00+14:00"}, None),
        ("uptime", {"to": "9999-12-31T23:59:59-14:00"}, None),
        ("daily", {"days": 0}, None),
        ("daily", {"days": 100000}, None),
    ]
    for endpoint, params, message in bad:
        answer = await api.get(f"/api/monitors/{monitor}/{endpoint}", headers=alice, params=params)
        assert answer.status_code == 422, (params, answer.text)
        if message:
            assert message in answer.json()["detail"][0]["msg"]  # a 422 is always the list shape
    for params in ({"format": "xml"}, {"from": NOW.isoformat(), "to": NOW.isoformat()}):
        assert (await api.get("/api/reports/sla", headers=alice, params=params)).status_code == 422
    assert (await api.get(f"/api/monitors/{2**64}/uptime", headers=alice)).status_code == 422
    assert (await api.get(f"/api/monitors/{monitor}/uptime")).status_code == 401


async def test_the_series_by_region_at_the_ranges_resolution(api, make_user, db) -> None:
    """The chart's points: one per bucket and region, averaged and p95 from the rollup of the resolution the
    range fits (an hour: minutes; 30 days: hours; 90 days: days); a region asked for alone; 404 for another's."""
    user = await make_user("series@example.com")
    monitor = await new_monitor(api, user, db)
    minute = NOW.replace(second=0, microsecond=0) - timedelta(minutes=10)
    await add_rollup(db, "rollups_minute", monitor, "eu-west", minute, up=60, latency=(3, 30, 50))
    await add_rollup(db, "rollups_minute", monitor, "us-east", minute, down=60, checks=2)
    await add_rollup(db, "rollups_hour", monitor, "eu-west", DAY, up=3600, latency=(5, 90, 110))
    await add_rollup(db, "rollups_day", monitor, "eu-west", DAY, up=86400, latency=(5, 90, 110))

    hour = (await api.get(f"/api/monitors/{monitor}/series", headers=user,
                          params={"from": (NOW - timedelta(hours=1)).isoformat()})).json()
    assert hour["resolution"] == "minute"
    (point,) = hour["regions"]["eu-west"]
    assert point == {"t": minute.isoformat().replace("+00:00", "Z"), "checks": 60, "down_checks": 0, "avg_ms": 40.0,
                     "p95_ms": 50, "max_ms": 50}
    assert hour["regions"]["us-east"][0]["avg_ms"] is None and hour["regions"]["us-east"][0]["down_checks"] == 2
    only = (await api.get(f"/api/monitors/{monitor}/series", headers=user,
                          params={"from": (NOW - timedelta(hours=1)).isoformat(), "region": "us-east"})).json()
    assert list(only["regions"]) == ["us-east"]
    month = (await api.get(f"/api/monitors/{monitor}/series", headers=user,
                           params={"from": (NOW - timedelta(days=30)).isoformat()})).json()
    assert month["resolution"] == "hour" and [p["avg_ms"] for p in month["regions"]["eu-west"]] == [100.0]
    quarter = (await api.get(f"/api/monitors/{monitor}/series", headers=user,
                             params={"from": (NOW - timedelta(days=90)).isoformat()})).json()
    assert quarter["resolution"] == "day" and len(quarter["regions"]["eu-west"]) == 1

    other = await make_user("other-series@example.com")
    assert (await api.get(f"/api/monitors/{monitor}/series", headers=other)).status_code == 404
    bad = await api.get(f"/api/monitors/{monitor}/series", headers=user, params={"from": NOW.isoformat(),
                                                                                   "to": NOW.isoformat()})
    assert bad.status_code == 422
