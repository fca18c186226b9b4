"""History: what the rollups cost ingest, and how much room history takes.

- Ingest rate with rollups on and off, in one run on one database: the real ingest worker
  (uptick_ingest.worker.Ingest, in this process) drains windows of results added to `uptick:results`
  beforehand, one time slot of every monitor after another (as 30-second checks arrive), windows of the
  two kinds taking turns. The cost is the ratio of the medians.
- Bytes (table and indexes, every partition) per million ticks, as ingest stored them; per monitor-year of
  hour and day rollups and per monitor-month of minute rollups, from a year of rows for a few monitors.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import psycopg
from redis.asyncio import Redis

from uptick_common.db.engine import create_engine
from uptick_common.db.migrate import upgrade
from uptick_common.streams import RESULTS_STREAM, CheckResult, job_id
from uptick_ingest.settings import IngestSettings
from uptick_ingest.worker import Ingest

REGIONS = ("eu-west", "us-east")
INTERVAL_S = 30
SIZED_MONITORS = 10  # monitors given a year of hour and day rollups to measure their size


def settings(quick: bool) -> tuple[int, int, int]:
    """Monitors, results per window, windows of each kind."""
    return (5_000, 10_000, 2) if quick else (20_000, 40_000, 4)


def planned_seconds(quick: bool, per_s: float = 4000) -> float:
    monitors, window, windows = settings(quick)
    return 6 + 2 * windows * window * (1 / per_s + 1 / 30_000) + 4


def _prepare(url: str, monitors: int) -> int:
    """A user with `monitors` monitors (checked every 30 s from two regions); returns the first id."""
    with psycopg.connect(url, autocommit=True) as conn:
        user = conn.execute("INSERT INTO users (email, password_hash) VALUES ('history@bench.example', 'x')"
                            " RETURNING id").fetchone()[0]  # type: ignore[index]
        org = conn.execute("INSERT INTO organizations (name, personal_for) VALUES ('history', %s) RETURNING id",
                           (user,)).fetchone()[0]  # type: ignore[index]
        return conn.execute(
            "WITH m AS (INSERT INTO monitors (org_id, user_id, name, url, interval_seconds, timeout_seconds, regions,"
            " next_due_at) SELECT %s, %s, 'h ' || n, 'https://h-' || n || '.example/', %s, 10, %s,"
            " now() + interval '1 day'"
            " FROM generate_series(1, %s) n RETURNING id) SELECT min(id) FROM m",
            (org, user, INTERVAL_S, list(REGIONS), monitors)).fetchone()[0]  # type: ignore[index]


async def _fill(redis: Redis, first: int, monitors: int, done: int, count: int, base_ms: int) -> None:
    """`count` results after the `done` ones so far: time slot after time slot, every monitor and region."""
    pipe = redis.pipeline(transaction=False)
    for n in range(count):
        k = done + n
        tick, rest = divmod(k, monitors * len(REGIONS))
        monitor, region = first + rest // len(REGIONS), REGIONS[rest % len(REGIONS)]
        at = base_ms + tick * INTERVAL_S * 1000
        status = "down" if k % 50 == 0 else "up"
        pipe.xadd(RESULTS_STREAM, CheckResult(
            job_id=job_id(monitor, region, at), monitor_id=monitor, region=region, scheduled_ms=at,
            checked_ms=at + 3, status=status, http_status=200 if status == "up" else 503,
            latency_ms=20 + k % 400).fields())
        if n % 2000 == 1999:
            await pipe.execute()
    await pipe.execute()


async def _drain(ingest: Ingest, count: int) -> float:
    began, handled = time.perf_counter(), 0
    while handled < count:
        handled += await ingest.ingest_once()
    return count / (time.perf_counter() - began)


def _bytes(conn: psycopg.Connection, table: str) -> int:
    """Table, indexes and TOAST of `table` and, when it is partitioned, of every partition."""
    return int(conn.execute(
        "SELECT pg_total_relation_size(%s::regclass)"
        " + coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree(%s) WHERE level > 0), 0)",
        (table, table)).fetchone()[0])  # type: ignore[index]


def _rollup_sizes(url: str, first: int) -> dict[str, Any]:
    """A year of hour and day rows, 35 days of minute rows, for SIZED_MONITORS monitors and both regions, each
    row as ingest leaves it (a latency histogram with a few buckets used); bytes per monitor."""
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("rollups_minute", "rollups_hour", "rollups_day"):
            conn.execute(f"TRUNCATE {table}")  # noqa: S608 - our names
        sizes: dict[str, Any] = {}
        for table, step, span in (("rollups_hour", "1 hour", "365 days"), ("rollups_day", "1 day", "365 days"),
                                  ("rollups_minute", "1 minute", "35 days")):
            conn.execute(
                f"INSERT INTO {table} (monitor_id, bucket, region, checks, up_checks, down_checks, up_seconds,"  # noqa: S608
                " down_seconds, latency_count, latency_min, latency_max, latency_sum, latency_histogram)"
                " SELECT m, b, r, 2, 2, 0, 60, 0, 2, 40, 95, 135,"
                "  '{0,0,0,1,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}'::int[]"
                f" FROM generate_series(%s::bigint, %s::bigint) m, unnest(%s::text[]) r,"
                f"  generate_series(date_trunc('day', now()) - interval '{span}', date_trunc('day', now())"
                f"   - interval '{step}', interval '{step}') b",
                (first, first + SIZED_MONITORS - 1, list(REGIONS)))
            conn.execute(f"VACUUM ANALYZE {table}")
            rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]  # noqa: S608
            sizes[table] = {"rows": rows, "bytes_per_row": round(_bytes(conn, table) / rows, 1),
                            "bytes_per_monitor": round(_bytes(conn, table) / SIZED_MONITORS)}
        return {
            "regions_per_monitor": len(REGIONS), "tables": sizes,
            "bytes_per_monitor_year": sizes["rollups_hour"]["bytes_per_monitor"]
            + sizes["rollups_day"]["bytes_per_monitor"],
            "minute_bytes_per_monitor_35_days": sizes["rollups_minute"]["bytes_per_monitor"],
        }


async def run(ctx: Any) -> dict[str, Any]:
    started = time.monotonic()
    monitors, window, windows = settings(ctx.quick)
    url = ctx.postgres.fresh_database("history")
    with ctx.timed("history: database, monitors"):
        upgrade(url)
        first = _prepare(url, monitors)
    redis = Redis.from_url(ctx.redis.url.rsplit("/", 1)[0] + "/3")  # a logical database of its own
    await redis.flushdb()
    engine = create_engine(url, pool_size=2)
    rates: dict[str, list[float]] = {"on": [], "off": []}
    base_ms = int(time.time() * 1000) - 3_600_000  # an hour ago, slot after slot
    try:
        workers = {mode: Ingest(IngestSettings(database_url=url, redis_url="redis://unused", consumer_name="bench",
                                               stream_retention_seconds=0, ingest_rollups=mode == "on"),
                                engine, redis) for mode in rates}
        with ctx.timed("history: ingest windows"):
            for turn in range(2 * windows + 2):  # the first two: warm-up, not counted
                mode = ("off", "on")[turn % 2]
                await _fill(redis, first, monitors, turn * window, window, base_ms)
                rate = await _drain(workers[mode], window)
                if turn >= 2:
                    rates[mode].append(rate)
        on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
        with ctx.timed("history: sizes"), psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE ticks")
            ticks = conn.execute("SELECT count(*) FROM ticks").fetchone()[0]  # type: ignore[index]
            tick_bytes = _bytes(conn, "ticks")
        sizes = _rollup_sizes(url, first)
    finally:
        await redis.flushdb()
        await redis.aclose()
        await engine.dispose()
    ctx.say(f"history: ingest {on:,.0f}/s with rollups, {off:,.0f}/s without ({on / off:.2f}×); "
            f"{tick_bytes / ticks * 1e6 / 2**20:,.0f} MiB per million ticks")
    return {
        "monitors": monitors, "results_per_window": window, "windows_each": windows,
        "ingest_per_s_rollups_on": round(on), "ingest_per_s_rollups_off": round(off),
        "rollups_rate_ratio": round(on / off, 3), "rates_per_s": {k: [round(r) for r in v] for k, v in rates.items()},
        "how": "the ingest worker in the bench process draining results queued beforehand; medians of windows "
               "taking turns, after one warm-up window of each",
        "ticks": ticks, "tick_bytes_per_million": round(tick_bytes / ticks * 1e6), "rollups": sizes,
        "seconds": round(time.monotonic() - started, 1),
    }
