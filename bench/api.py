"""API latency: the monitor list (with its 24 h and 30 d uptime from the rollups) and one monitor's ticks, for
users with 10, 1,000 and 10,000 monitors, with at least a million ticks in the table; one monitor's uptime
over a year, its 90 daily bars, and the SLA report of 30 days; then a status page's requests per second
(bench/statuspage.py).

Users sign up through the auth API; their monitors (each with its dashboard summary) and the ticks go
straight into Postgres. Requests go one at a time (latency, not throughput) to the monitors service
process itself, with a bearer token; every answer must be a 200.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import psycopg

from bench import dashboard, statuspage
from bench.profile import record

USERS = (10, 1_000, 10_000)
TICKS_TOTAL = 1_000_000
BIG_MONITOR_TICKS = 200_000  # about 35 days of one monitor checked every 30 s from two regions
PASSWORD = "a long bench password"  # noqa: S105 - the bench users' own


def settings(quick: bool) -> tuple[int, int]:
    """Requests per case per run, runs per case."""
    return (40, 3) if quick else (200, 5)


def planned_seconds(quick: bool, request_s: float = 0.012) -> float:
    """A guess for the plan printed up front: sign-ups and a million ticks, the cases, the profile, the status
    page, the dashboard's list in Chromium."""
    requests, runs = settings(quick)
    cases = 11 if quick else 12
    browser = 10 if quick else 20
    return (8 + cases * (10 + runs * requests) * request_s + (3 if quick else 15) + statuspage.planned_seconds(quick)
            + browser)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"p50_ms": at(0.50), "p90_ms": at(0.90), "p99_ms": at(0.99), "max_ms": round(ordered[-1] * 1000, 2)}


async def _user(auth: httpx.AsyncClient, email: str) -> tuple[int, str]:
    body = {"email": email, "password": PASSWORD}
    answer = await auth.post("/api/auth/signup", json=body)
    assert answer.status_code == 201, answer.text
    token = (await auth.post("/api/auth/login", json=body)).json()["access_token"]
    me = (await auth.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    return me["id"], token


def _populate(database_url: str, users: dict[int, int], region: str) -> dict[int, int]:
    """Monitors (not due for a day: the poller leaves them alone) with a summary each; ticks up to a million.
    Returns each user's first monitor id: the 10,000-monitor user's has BIG_MONITOR_TICKS ticks."""
    first: dict[int, int] = {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        for count, user_id in users.items():
            first[count] = conn.execute(
                "WITH m AS (INSERT INTO monitors (org_id, user_id, name, url, interval_seconds, timeout_seconds,"
                "  regions, next_due_at) SELECT (SELECT id FROM organizations WHERE personal_for = %(user)s),"
                "  %(user)s, 'api ' || n, 'https://site-' || n || '.example/health', 30, 10,"
                "  ARRAY[%(region)s], now() + interval '1 day' FROM generate_series(1, %(count)s) n RETURNING id)"
                " SELECT min(id) FROM m", {"user": user_id, "count": count, "region": region}).fetchone()[0]  # type: ignore[index]
            conn.execute(
                "INSERT INTO monitor_status (monitor_id, status, last_latency_ms, last_checked_at,"
                " recent_latencies_ms, regions)"
                " SELECT id, 'up', 42, now(), ARRAY[40, 41, 39, 45, 42, 40, 44, 43, 41, 42], jsonb_build_object("
                "   %(region)s::text, jsonb_build_object('status', 'up', 'checked_at', now(), 'latency_ms', 42,"
                "   'http_status', 200, 'error', null))"
                " FROM monitors WHERE user_id = %(user)s ON CONFLICT DO NOTHING", {"user": user_id, "region": region})
        big, big_user = first[max(users)], users[max(users)]
        have = conn.execute("SELECT count(*) FROM ticks").fetchone()[0]  # type: ignore[index]
        tick = ("INSERT INTO ticks (monitor_id, scheduled_at, region, checked_at, status, http_status, latency_ms)"
                " SELECT {monitor}, date_trunc('minute', now()) - g * interval '30 seconds', r,"
                "  date_trunc('minute', now()) - g * interval '30 seconds' + interval '40 ms', 'up', 200, 30 + g %% 40"
                " FROM {source}")  # new monitors, no ticks yet: no conflict to look for (a third faster)
        conn.execute(tick.format(monitor="%(big)s", source="generate_series(1, %(n)s) g,"
                                 " unnest(ARRAY['eu-west', 'us-east']) r"), {"big": big, "n": BIG_MONITOR_TICKS // 2})
        for count in users:  # the smaller users' first monitors: a day of history
            if count != max(users):
                conn.execute(tick.format(monitor="%(m)s", source="generate_series(1, 2880) g,"
                                         " unnest(ARRAY['eu-west', 'us-east']) r"), {"m": first[count]})
        rest = max(0, TICKS_TOTAL - have - BIG_MONITOR_TICKS - 2 * 5760)
        per_monitor = -(-rest // (max(users) - 1))
        conn.execute(tick.format(monitor="m.id", source="monitors m, generate_series(1, %(n)s) g,"
                                 " (VALUES ('eu-west')) v(r) WHERE m.user_id = %(user)s AND m.id <> %(big)s"),
                     {"n": per_monitor, "user": big_user, "big": big})
        _rollups(conn, big_user, big)
        conn.execute("ANALYZE")
    return first


def _rollups(conn: psycopg.Connection, user_id: int, big: int) -> None:
    """What the list's uptime reads for the 10,000-monitor user (25 hour rows and 31 day rows per monitor and
    region), and a year of day rows for its first monitor: as ingest would have left them."""
    rollup = ("INSERT INTO {table} (monitor_id, bucket, region, checks, up_checks, down_checks, up_seconds,"
              " down_seconds, latency_count, latency_min, latency_max, latency_sum, latency_histogram)"
              " SELECT m.id, b, m.regions[1], 120, 119, 1, 3570, 30, 120, 31, 95, 5400,"
              "  '{{0,0,0,60,40,20,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}}'::int[]"
              " FROM monitors m, generate_series(date_trunc('{unit}', now()) - interval '{span}',"
              "  date_trunc('{unit}', now()), interval '1 {unit}') b WHERE {where} ON CONFLICT DO NOTHING")
    conn.execute(rollup.format(table="rollups_hour", unit="hour", span="24 hours", where="m.user_id = %s"),
                 (user_id,))
    conn.execute(rollup.format(table="rollups_day", unit="day", span="30 days", where="m.user_id = %s"), (user_id,))
    conn.execute(rollup.format(table="rollups_day", unit="day", span="365 days", where="m.id = %s"), (big,))


async def run(ctx: Any, stack: Any, database_url: str, region: str) -> dict[str, Any]:
    requests, runs = settings(ctx.quick)
    started = time.monotonic()
    auth_url = f"http://127.0.0.1:{stack.services['auth'].health_port}"
    api_url = f"http://127.0.0.1:{stack.services['monitors'].health_port}"
    with ctx.timed("api: users"):
        async with httpx.AsyncClient(base_url=auth_url, timeout=30) as auth:
            signed_up = await asyncio.gather(*(_user(auth, f"api-{count}@bench.example") for count in USERS))
            users = dict(zip(USERS, signed_up, strict=True))
    with ctx.timed("api: monitors, ticks"):
        first = _populate(database_url, {count: uid for count, (uid, _) in users.items()}, region)
    with ctx.timed("api: count ticks"), psycopg.connect(database_url, autocommit=True) as conn:
        ticks_in_table = conn.execute("SELECT count(*) FROM ticks").fetchone()[0]  # type: ignore[index]
        big_ticks = conn.execute("SELECT count(*) FROM ticks WHERE monitor_id = %s",
                                 (first[max(USERS)],)).fetchone()[0]  # type: ignore[index]
    populated_s = round(time.monotonic() - started, 1)

    cases: dict[str, tuple[int, str]] = {}
    for count in USERS:
        cases[f"monitor_list.{count}"] = (count, "/api/monitors")
        cases[f"ticks.{count}"] = (count, f"/api/monitors/{first[count]}/ticks")
    if not ctx.quick:
        cases[f"monitor_list_page_500.{max(USERS)}"] = (max(USERS), "/api/monitors?limit=500")
    cases[f"monitor_list_deep_cursor.{max(USERS)}"] = (
        max(USERS), f"/api/monitors?cursor={first[max(USERS)] + max(USERS) // 2}")
    year_ago = quote((datetime.now(UTC) - timedelta(days=365)).isoformat())
    cases[f"uptime_year.{max(USERS)}"] = (max(USERS), f"/api/monitors/{first[max(USERS)]}/uptime?from={year_ago}")
    cases[f"daily_90.{max(USERS)}"] = (max(USERS), f"/api/monitors/{first[max(USERS)]}/daily?days=90")
    sla_user = 1_000 if ctx.quick else max(USERS)
    cases[f"sla_30d.{sla_user}"] = (sla_user, "/api/reports/sla")
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as client:
        # A cursor half-way through the big monitor's history, for a deep page of ticks.
        headers = {"Authorization": f"Bearer {users[max(USERS)][1]}"}
        cursor = None
        path = f"/api/monitors/{first[max(USERS)]}/ticks?limit=500"
        for _ in range(20):  # 10,000 ticks deep (keyset pagination: any depth costs the same)
            page = (await client.get(path + (f"&cursor={cursor}" if cursor else ""), headers=headers)).json()
            cursor = page["next_cursor"]
        cases[f"ticks_deep_cursor.{max(USERS)}"] = (
            max(USERS), f"/api/monitors/{first[max(USERS)]}/ticks?cursor={cursor}")
        measured: dict[str, Any] = {}
        requests_began = time.monotonic()
        for name, (count, path) in cases.items():
            headers = {"Authorization": f"Bearer {users[count][1]}"}
            per_run = []
            for _ in range(10):  # warm-up
                await client.get(path, headers=headers)
            for _ in range(runs):
                samples = []
                for _ in range(requests):
                    began = time.perf_counter()
                    answer = await client.get(path, headers=headers)
                    samples.append(time.perf_counter() - began)
                    assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:200]}"
                per_run.append(_percentiles(samples))
            body = answer.json()
            items = len(body.get("items") or body.get("monitors") or body.get("regions") or [])
            measured[name] = {key: round(statistics.median(r[key] for r in per_run), 2) for key in per_run[0]}
            measured[name].update({"items_per_page": items, "bytes": len(answer.content)})
            ctx.say(f"api {name}: p50 {measured[name]['p50_ms']} ms, p99 {measured[name]['p99_ms']} ms")
        ctx.add_time("api: requests", time.monotonic() - requests_began)
        with ctx.timed("api: dashboard list in Chromium"):
            try:
                shown = await dashboard.run(stack.url, f"api-{max(USERS)}@bench.example", PASSWORD, max(USERS),
                                            ctx.quick)
            except Exception as exc:  # noqa: BLE001 - recorded; the API's figures stand
                shown = {"skipped": f"failed: {type(exc).__name__}: {exc}"}
        ctx.say(f"dashboard list of {max(USERS)}: " + (shown.get("skipped") or
                f"p50 {shown['p50_ms']} ms, max {shown['max_ms']} ms (first load {shown['first_load_ms']} ms)"))
        # Where a list request's time goes: the monitors service profiled while it answers the biggest user.
        profile_began = time.monotonic()
        count, path = cases[f"monitor_list.{max(USERS)}"]
        headers = {"Authorization": f"Bearer {users[count][1]}"}
        profiling = asyncio.create_task(record(stack.pid("monitors"), 3 if ctx.quick else 15,
                                               ctx.out / "profile-monitors-list.txt"))
        while not profiling.done():
            await client.get(path, headers=headers)
        profile = await profiling
        ctx.add_time("api: profile", time.monotonic() - profile_began)
    with ctx.timed("api: status page"):
        try:
            status_page = await statuspage.run(ctx, api_url, users[1_000][1], first[1_000], database_url, region)
        except Exception as exc:  # noqa: BLE001 - recorded; the API's figures stand
            status_page = {"error": f"{type(exc).__name__}: {exc}"}
    return {"requests_per_case_per_run": requests, "runs": runs, "ticks_in_table": ticks_in_table,
            "ticks_of_the_big_monitor": big_ticks, "populate_s": populated_s, "cases": measured,
            "how": "sequential requests straight to the monitors service (no router), bearer token, median of runs",
            "profile_monitor_list": profile, "status_page": status_page, "dashboard_list": shown,
            "seconds": round(time.monotonic() - started, 1)}
