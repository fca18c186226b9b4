"""Rollups kept by ingest in the ticks' transaction: equal to what the raw ticks say, redelivery counted
once, equal again after `uptick-maintain --repair` rebuilds them from the ticks."""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import text

from uptick_common.db import maintain
from uptick_common.history import HISTOGRAM_SIZE, RESOLUTIONS, histogram_bucket
from uptick_common.settings import HistorySettings
from uptick_common.streams import CheckResult, job_id
from uptick_devstack import infra
from uptick_devstack.fixtures import add_monitor, add_user
from uptick_ingest.store import write_batch

INTERVAL = 30
# Two days ago, from 22:00: the three hours cross a day, so every resolution has buckets split by it.
START = datetime.combine(datetime.now(UTC).date() - timedelta(days=2), datetime.min.time(), UTC) + timedelta(hours=22)
START_MS = int(START.timestamp() * 1000)


def result(monitor: int, region: str, at_ms: int, status: str = "up", latency: int | None = 20) -> CheckResult:
    return CheckResult(job_id=job_id(monitor, region, at_ms), monitor_id=monitor, region=region, scheduled_ms=at_ms,
                       checked_ms=at_ms + 5, status=status, latency_ms=latency)


def batches_of_three_hours(monitor: int) -> list[list]:
    """Results every 30 s from two regions, latencies over the histogram's range, one in five down, a few
    without a latency; cut into batches at random, some results delivered again, in their batch or later."""
    rng = random.Random(16)
    results = []
    for n in range(3 * 3600 // INTERVAL):
        for region in ("eu-west", "us-east"):
            status = "down" if rng.random() < 0.2 else "up"
            latency = None if rng.random() < 0.05 else int(rng.lognormvariate(5, 1.2))
            results.append(result(monitor, region, START_MS + n * INTERVAL * 1000, status, latency=latency))
    batches, i = [], 0
    while i < len(results):
        size = rng.randint(1, 120)
        batch = results[i:i + size]
        batch += rng.sample(results[:i + size], k=min(5, i + size))  # redelivered: stored already or just now
        batches.append(batch)
        i += size
    return batches


async def rollups(engine, table: str, monitor: int) -> dict[tuple, tuple]:
    async with engine.connect() as conn:
        columns = ("bucket, region, checks, up_checks, down_checks, up_seconds, down_seconds, maintenance_seconds,"
                   " latency_count, latency_min, latency_max, latency_sum, latency_histogram")
        query = f"SELECT {columns} FROM {table} WHERE monitor_id = :m"  # noqa: S608 - our table names
        rows = (await conn.execute(text(query), {"m": monitor})).all()
    return {(row[0], row[1]): tuple(row[2:]) for row in rows}


async def what_the_ticks_say(engine, seconds: int, monitor: int) -> dict[tuple, tuple]:
    async with engine.connect() as conn:
        ticks = (await conn.execute(text(
            "SELECT scheduled_at, region, status, latency_ms FROM ticks WHERE monitor_id = :m"), {"m": monitor})).all()
    groups: dict[tuple, list] = defaultdict(list)
    for scheduled_at, region, status, latency in ticks:
        epoch = int(scheduled_at.timestamp())
        groups[(datetime.fromtimestamp(epoch - epoch % seconds, UTC), region)].append((status, latency))
    expected = {}
    for key, checks in groups.items():
        latencies = [latency for _, latency in checks if latency is not None]
        histogram = [0] * HISTOGRAM_SIZE
        for latency in latencies:
            histogram[histogram_bucket(latency)] += 1
        up = sum(1 for status, _ in checks if status == "up")
        expected[key] = (len(checks), up, len(checks) - up, up * INTERVAL, (len(checks) - up) * INTERVAL, 0,
                         len(latencies), min(latencies, default=None), max(latencies, default=None), sum(latencies),
                         histogram)
    return expected


async def test_rollups_equal_the_raw_ticks_and_redelivery_counts_once(engine, database_url):
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/",
                                interval=INTERVAL)
    stored = 0
    for batch in batches_of_three_hours(monitor):
        async with engine.begin() as conn:
            stored += (await write_batch(conn, batch)).stored
    assert stored == 2 * 3 * 3600 // INTERVAL  # each result once, however often it came
    for resolution in RESOLUTIONS:
        expected = await what_the_ticks_say(engine, resolution.seconds, monitor)
        assert await rollups(engine, resolution.table, monitor) == expected, resolution.name
    assert len(await rollups(engine, "rollups_day", monitor)) == 4  # two days, two regions

    # Rebuilt from the raw ticks, they are the same again.
    before = {r.table: await rollups(engine, r.table, monitor) for r in RESOLUTIONS}
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE rollups_hour SET checks = 0, latency_histogram = :h"),
                           {"h": [0] * HISTOGRAM_SIZE})
    with psycopg.connect(infra.libpq_url(database_url), autocommit=True) as conn:
        report = maintain.run(conn, HistorySettings(), repair=(START.date(), START.date() + timedelta(days=1)))
    assert report.repaired_days == [START.date(), START.date() + timedelta(days=1)]
    assert {r.table: await rollups(engine, r.table, monitor) for r in RESOLUTIONS} == before


async def test_rollups_can_be_left_off(engine):
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/")
    async with engine.begin() as conn:
        assert (await write_batch(conn, [result(monitor, "eu-west", START_MS)], rollups=False)).stored == 1
    assert await rollups(engine, "rollups_minute", monitor) == {}
