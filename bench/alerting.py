"""Alerting: how long from a target breaking to its notification at a local sink, and what a storm sends.

The whole stack (poller, a checker per region, ingest, notifier, the APIs) as separate processes, on the
bench's Postgres and Valkey; the target and the receivers are HTTP servers in this process (the target flips
from 200 to 500 at one moment, the receivers note when each notification arrives).

- Latency: monitors (200; QUICK 100) checked every 30 s (QUICK 10 s) from two regions, confirmation 0, each
  alerting a
  webhook channel of its own (so no storm gathers them): all break at one moment t0; per monitor, the first
  notification naming it arrives at t, latency t − t0 (a monitor is checked at its own phase of the
  interval, so it spreads over 0 … 30 s plus the pipeline's and the notifier's share). p50, p99, max.
  The goal: p99 under one interval plus 3 s (QUICK's shorter interval keeps it short, the goal scales).
- Storm: monitors (1,000; QUICK 300, same interval) of one organization on one target host break together;
  its channels (a webhook, a Slack-format one, PagerDuty) count what they receive until every incident is
  told, and again when all recover; every incident must be recorded. The goal: a handful per channel (PagerDuty is one
  event per incident by design). The per-host rate limit is off here (UPTICK_HOST_RATE_PER_SECOND=0): at its
  default a thousand monitors on one host could not all be checked every 30 s, which is another matter.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import psycopg
import redis.asyncio as aioredis
from aiohttp import web
from psycopg.types.json import Jsonb

from bench.servers import BenchStack
from uptick_common import channels, tokens
from uptick_common.db.migrate import upgrade
from uptick_devstack.infra import free_port
from uptick_devstack.stack import StackConfig

REGIONS = ("eu-west", "us-east")
STORM_GOAL = 5  # notifications per channel and event: a handful


def sizes(quick: bool) -> tuple[int, int, int]:
    """Monitors of the latency part, of the storm, and their interval (seconds)."""
    return (100, 300, 10) if quick else (200, 1000, 30)


def planned_seconds(quick: bool) -> float:
    """The start; latency: up, break, told; storm: up, down told (with the hold), up again told."""
    interval = sizes(quick)[2]
    return 15 + 2 * (interval + 10) + (interval + 10) + 2 * (interval + 45)


class _Server:
    """An aiohttp server on 127.0.0.1 answering every path of `method` with `_handle`."""

    method = "GET"

    def __init__(self) -> None:
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application(client_max_size=64 << 20)
        app.router.add_route(self.method, "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


class Target(_Server):
    """Answers 200 on every path, or 500 once broken."""

    broken = False

    async def _handle(self, _: web.Request) -> web.Response:
        return web.Response(status=500, text="broken") if self.broken else web.Response(text="ok")


class Sink(_Server):
    """Records each notification with the moment it arrived: (path, time, JSON body)."""

    method = "POST"

    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[str, float, Any]] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append((request.path, time.time(), body))
        return web.Response(text="ok")

    def at(self, prefix: str) -> list[tuple[str, float, Any]]:
        return [r for r in self.received if r[0].startswith(prefix)]


def _org(conn: psycopg.Connection[Any], name: str) -> tuple[int, int]:
    user = conn.execute("INSERT INTO users (email, password_hash) VALUES (%s, 'x') RETURNING id",
                        (f"{name}@bench.example",)).fetchone()[0]  # type: ignore[index]
    org = conn.execute("INSERT INTO organizations (name, personal_for) VALUES (%s, %s) RETURNING id",
                       (name, user)).fetchone()[0]  # type: ignore[index]
    return user, org


def _channel(conn: psycopg.Connection[Any], org: int, type_: str, config: dict[str, Any], default: bool) -> int:
    saved = channels.parse(type_, config).model_dump(mode="json")
    return conn.execute("INSERT INTO channels (org_id, type, name, config, is_default) VALUES (%s, %s, %s, %s, %s)"
                        " RETURNING id", (org, type_, type_, Jsonb(saved), default)).fetchone()[0]  # type: ignore[index]


def _monitors(conn: psycopg.Connection[Any], user: int, org: int, url: str, count: int,
              channel_ids: list[int] | None, interval: int) -> list[int]:
    ids = []
    for n in range(count):
        ids.append(conn.execute(
            "INSERT INTO monitors (org_id, user_id, name, url, interval_seconds, timeout_seconds, regions, channel_ids,"
            " next_due_at) VALUES (%s, %s, %s, %s, %s, 5, %s, %s, now()) RETURNING id",
            (org, user, f"m-{n}", f"{url}?m={n}", interval, list(REGIONS),
             None if channel_ids is None else [channel_ids[n]])).fetchone()[0])  # type: ignore[index]
    return ids


async def _until(probe: Any, timeout: float, every: float = 1.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(probe):
            return True
        await asyncio.sleep(every)
    return False


def _count(url: str, sql: str, args: tuple[Any, ...]) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return int(conn.execute(sql, args).fetchone()[0])  # type: ignore[index]


def _named(received: list[tuple[str, float, Any]]) -> dict[int, float]:
    """Monitor id → when the first notification naming it arrived."""
    first: dict[int, float] = {}
    for _, at, body in received:
        for incident in (body.get("data") or {}).get("incidents") or []:
            monitor = (incident.get("monitor") or {}).get("id")
            if monitor is not None:
                first.setdefault(monitor, at)
    return first


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_s": None, "p99_s": None, "max_s": None}
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return {"p50_s": round(cuts[49], 2), "p99_s": round(cuts[98], 2), "max_s": round(max(values), 2)}


async def run(ctx: Any) -> dict[str, Any]:
    latency_n, storm_n, interval = sizes(ctx.quick)
    database = ctx.postgres.fresh_database("uptick_bench_alerting")
    await asyncio.to_thread(upgrade, database)
    keys = ctx.out / "alerting-keys"
    tokens.generate_keypair(keys / "jwt-private.pem", keys / "jwt-public.pem")
    target, sink = Target(), Sink()
    await target.start()
    await sink.start()
    stack = BenchStack(StackConfig(
        database_url=database, redis_url=ctx.redis.url, keys_dir=keys, regions=REGIONS, router_port=free_port(),
        overrides={"UPTICK_LOG_FORMAT": "json", "UPTICK_ENV": "dev", "UPTICK_HOST_RATE_PER_SECOND": "0"}),
        ctx.logs / "alerting")
    result: dict[str, Any] = {"interval_s": interval, "regions": list(REGIONS), "quick": ctx.quick}
    try:
        redis = aioredis.Redis.from_url(ctx.redis.url)
        await redis.flushdb()  # the pipeline's jobs and results, if it ran before
        await redis.aclose()
        await stack.start(timeout=120)
        result["latency"] = await _latency(ctx, database, target, sink, latency_n, interval)
        result["storm"] = await _storm(ctx, database, target, sink, storm_n, interval)
    finally:
        await stack.stop()
        await target.stop()
        await sink.stop()
    return result


async def _latency(ctx: Any, database: str, target: Target, sink: Sink, n: int, interval: int) -> dict[str, Any]:
    with psycopg.connect(database, autocommit=True) as conn:
        user, org = _org(conn, "latency")
        hooks = [_channel(conn, org, "webhook", {"url": sink.url(f"/latency/{k}")}, False) for k in range(n)]
        ids = _monitors(conn, user, org, f"http://127.0.0.1:{target.port}/latency", n, hooks, interval)
    up = "SELECT count(*) FROM monitor_status s JOIN monitors m ON m.id = s.monitor_id WHERE m.org_id = %s" \
         " AND s.status = %s"
    ready = await _until(lambda: _count(database, up, (org, "up")) == n, 2 * interval + 30)
    ctx.say(f"alerting latency: {n} monitors up: {ready}")
    target.broken = True
    broke = time.time()
    await _until(lambda: len(_named(sink.at("/latency/"))) == n, 2 * interval + 30)
    await asyncio.sleep(3)
    named = _named(sink.at("/latency/"))
    latencies = [named[m] - broke for m in ids if m in named]
    figures = {"monitors": n, "told": len(latencies), "notifications": len(sink.at("/latency/")),
               **_percentiles(latencies), "goal_p99_s": interval + 3}
    with psycopg.connect(database, autocommit=True) as conn:  # out of the storm's way
        conn.execute("UPDATE monitors SET paused = true WHERE org_id = %s", (org,))
    target.broken = False
    ctx.say(f"alerting latency: p50 {figures['p50_s']} s, p99 {figures['p99_s']} s ({len(latencies)}/{n} told)")
    return figures


async def _storm(ctx: Any, database: str, target: Target, sink: Sink, n: int, interval: int) -> dict[str, Any]:
    with psycopg.connect(database, autocommit=True) as conn:
        user, org = _org(conn, "storm")
        _channel(conn, org, "webhook", {"url": sink.url("/storm/webhook")}, True)
        _channel(conn, org, "slack", {"webhook_url": sink.url("/storm/slack")}, True)
        _channel(conn, org, "pagerduty", {"routing_key": "R" * 32, "events_url": sink.url("/storm/pagerduty")}, True)
        ids = _monitors(conn, user, org, f"http://127.0.0.1:{target.port}/storm", n, None, interval)
    status = "SELECT count(*) FROM monitor_status s JOIN monitors m ON m.id = s.monitor_id WHERE m.org_id = %s" \
             " AND s.status = %s"
    ready = await _until(lambda: _count(database, status, (org, "up")) == n, 2 * interval + 60)
    ctx.say(f"alerting storm: {n} monitors up: {ready}")
    figures: dict[str, Any] = {"monitors": n}
    for phase, broken in (("down", True), ("resolved", False)):
        before = {path: len(sink.at(f"/storm/{path}")) for path in ("webhook", "slack", "pagerduty")}
        mark = len(sink.received)
        target.broken = broken
        began = time.time()

        def all_told(mark: int = mark) -> bool:
            return len(_named([r for r in sink.received[mark:] if r[0] == "/storm/webhook"])) == n

        told = await _until(all_told, 2 * interval + 90)
        await asyncio.sleep(5)  # anything more that would come
        webhook = [r for r in sink.received[mark:] if r[0] == "/storm/webhook"]
        named = _named(webhook)
        figures[phase] = {
            "all_told": told,
            "notifications_per_channel": {path: len(sink.at(f"/storm/{path}")) - count
                                          for path, count in before.items()},
            "group_sizes": [len((body.get("data") or {}).get("incidents") or []) for _, _, body in webhook],
            "told_latency": _percentiles([named[m] - began for m in ids if m in named]),
        }
        ctx.say(f"alerting storm, {phase}: {figures[phase]['notifications_per_channel']}")
    figures["incidents_recorded"] = _count(database, "SELECT count(*) FROM incidents WHERE org_id = %s", (org,))
    figures["resolved_recorded"] = _count(
        database, "SELECT count(*) FROM incidents WHERE org_id = %s AND resolved_at IS NOT NULL", (org,))
    return figures
