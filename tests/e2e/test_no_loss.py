"""Kill -9 a checker and ingest while jobs are in flight: every scheduled job still ends as exactly one tick."""

import asyncio
import signal
from collections import Counter

import httpx
import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.helpers import Target, eventually, sign_up_and_log_in
from uptick_common.redis import backlog
from uptick_common.streams import CHECKS_GROUP, RESULTS_GROUP, RESULTS_STREAM, CheckJob, checks_stream

REGIONS = ("eu-west", "us-east")
MONITORS = 30


async def scheduled_job_ids(redis: aioredis.Redis) -> set[str]:
    """The ledger: every job the poller ever added (the streams are not trimmed in this test)."""
    ids: set[str] = set()
    for region in REGIONS:
        for _, fields in await redis.xrange(checks_stream(region)):
            ids.add(CheckJob.from_fields(fields).job_id)
    return ids


async def stored_ticks(engine: AsyncEngine) -> Counter[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT monitor_id || ':' || region || ':' || (extract(epoch FROM scheduled_at) * 1000)::bigint"
            " FROM ticks"))
        return Counter(row[0] for row in rows)


async def drained(redis: aioredis.Redis) -> bool:
    groups = [(checks_stream(r), CHECKS_GROUP) for r in REGIONS] + [(RESULTS_STREAM, RESULTS_GROUP)]
    for stream, group in groups:
        if (await backlog(redis, stream, group)).total:
            return False
    return True


async def test_kill_9_checker_and_ingest_loses_and_duplicates_nothing(stack, target: Target, engine,
                                                                       redis_client) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        auth = await sign_up_and_log_in(client, "ops@example.com", "a long enough password")
        for i in range(MONITORS):
            answer = await client.post("/api/monitors", headers=auth, json={
                "url": f"{target.url}?n={i}", "interval_seconds": 10, "timeout_seconds": 2})
            assert answer.status_code == 201

    await eventually(lambda: stored_ticks(engine), timeout=20)  # the pipeline is flowing
    stack.kill("checker-eu-west", signal.SIGKILL)
    stack.kill("ingest", signal.SIGKILL)
    await stack.wait_exit("checker-eu-west")
    await stack.wait_exit("ingest")
    await asyncio.sleep(12)  # the poller goes on scheduling: jobs and results pile up unconsumed
    await stack.start_service("checker-eu-west")
    await stack.start_service("ingest")
    await stack.wait_ready(["checker-eu-west", "ingest"])
    await asyncio.sleep(3)

    stack.kill("poller", signal.SIGTERM)  # no new jobs from here on; let the rest drain
    await stack.wait_exit("poller")
    await eventually(lambda: drained(redis_client), timeout=60)

    ledger = await scheduled_job_ids(redis_client)
    ticks = await stored_ticks(engine)
    assert len(ledger) >= MONITORS * len(REGIONS) * 2  # at least two rounds were scheduled
    assert set(ticks) == ledger, f"lost: {sorted(ledger - set(ticks))[:5]}, extra: {sorted(set(ticks) - ledger)[:5]}"
    assert max(ticks.values()) == 1
