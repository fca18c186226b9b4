"""Dependencies that are away are waited for, never treated as poison: a worker answers /healthz before they
are up, and a Postgres outage longer than the longest reclaim-and-retry cycle loses no result and dead-letters
none. The Postgres stopped here is private to the test (tests.e2e.helpers.PrivatePostgres); the timings are
shortened through settings, so that the outage outlasts that cycle several times within seconds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import text

from tests.e2e.helpers import (
    FAST,
    MultiTarget,
    PrivatePostgres,
    backlogs,
    eventually,
    insert_monitors,
    ledger,
    running_stack,
    sign_up_and_log_in,
    stored_tick_keys,
)
from uptick_common.db.engine import create_engine
from uptick_common.db.migrate import upgrade
from uptick_common.redis import backlog
from uptick_common.streams import RESULTS_GROUP, RESULTS_STREAM, CheckResult, dead_letter_stream, job_id
from uptick_devstack.fixtures import add_monitor, add_user
from uptick_devstack.infra import EmbeddedRedis, ensure_database, free_port
from uptick_devstack.stack import Stack
from uptick_ingest.settings import IngestSettings
from uptick_ingest.worker import Ingest

REGIONS = ("eu-west", "us-east")
CLAIM_IDLE_MS, MAX_DELIVERIES = 1500, 2
# The longest a result can go from its first delivery to its dead letter if waiting counted: every allowed
# delivery left to go stale, then found by the next look for stale messages (every claim_idle / 2).
RECLAIM_CYCLE_S = (MAX_DELIVERIES + 1) * CLAIM_IDLE_MS / 1000 * 1.5
OUTAGE_S = 2 * RECLAIM_CYCLE_S


async def health(port: int, path: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session, \
            session.get(f"http://127.0.0.1:{port}{path}") as answer:
        return answer.status, await answer.json()


async def test_a_worker_answers_healthz_before_its_dependencies_and_stops_on_sigterm_while_waiting(
        tmp_path: Path) -> None:
    """What a startupProbe or livenessProbe sees of an ingest whose Postgres and Redis are not there yet."""
    port = free_port()
    env = {**os.environ, **FAST, "UPTICK_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/uptick",
           "UPTICK_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "UPTICK_HEALTH_HOST": "127.0.0.1",
           "UPTICK_HEALTH_PORT": str(port)}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "uptick_ingest.main", env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        async def alive() -> tuple[int, dict[str, object]] | None:
            try:
                return await health(port, "/healthz")
            except aiohttp.ClientConnectionError:
                return None

        assert await eventually(alive, timeout=30, every=0.1) == (200, {"status": "ok"})
        status, body = await health(port, "/readyz")
        assert status == 503 and set(body["failures"]) == {"postgres", "redis"}  # type: ignore[arg-type]
        await asyncio.sleep(2)  # still waiting, still alive
        assert (await health(port, "/healthz"))[0] == 200 and process.returncode is None
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        assert process.stdout is not None
        print((await process.stdout.read()).decode(errors="replace"))


@pytest.fixture
async def private_database(private_postgres: PrivatePostgres) -> str:
    url = private_postgres.url("uptick")
    ensure_database(url)
    await asyncio.to_thread(upgrade, url)
    return url


async def test_ingest_replicas_wait_out_a_postgres_outage_holding_their_batches_without_a_delivery_counted(
        private_postgres: PrivatePostgres, private_database: str, redis_url: str,
        redis_client: aioredis.Redis) -> None:
    engine = create_engine(private_database, pool_size=2)
    monitor = await add_monitor(engine, await add_user(engine, "outage@example.com"), "http://127.0.0.1:1/")
    replicas = [Ingest(settings, create_engine(private_database, pool_size=2), aioredis.Redis.from_url(redis_url))
                for settings in (IngestSettings(database_url=private_database, redis_url=redis_url,
                                                consumer_name=f"ingest-{n}", claim_idle_ms=CLAIM_IDLE_MS,
                                                max_deliveries=1, batch_size=10) for n in range(2))]
    runs = [asyncio.create_task(replica.run()) for replica in replicas]
    now_ms = int(time.time() * 1000)

    async def send(first: int, count: int) -> None:
        for n in range(first, first + count):
            await redis_client.xadd(RESULTS_STREAM, CheckResult(
                job_id=job_id(monitor, "eu-west", now_ms + n), monitor_id=monitor, region="eu-west",
                scheduled_ms=now_ms + n, checked_ms=now_ms + n, status="up", latency_ms=n).fields())

    async def stored() -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM ticks"))).scalar_one())

    try:
        await send(0, 5)
        await eventually(lambda: _at_least(stored, 5), timeout=20)
        await engine.dispose()
        await asyncio.to_thread(private_postgres.stop, "immediate")  # as if it crashed
        await send(5, 45)
        await asyncio.sleep(OUTAGE_S)  # max_deliveries 1: a single re-delivery would dead-letter
        pending = await redis_client.xpending_range(RESULTS_STREAM, RESULTS_GROUP, min="-", max="+", count=100)
        assert {p["consumer"] for p in pending} == {b"ingest-0", b"ingest-1"}  # each holds the batch it read
        assert {p["times_delivered"] for p in pending} == {1}
        assert all(p["time_since_delivered"] < CLAIM_IDLE_MS for p in pending)  # kept claimed: nobody takes them
        assert await redis_client.xlen(dead_letter_stream(RESULTS_STREAM)) == 0
        assert "postgres" in await replicas[0].ready()
        assert not any(run.done() for run in runs)

        await asyncio.to_thread(private_postgres.start)
        await eventually(lambda: _at_least(stored, 50), timeout=60)
        assert (await redis_client.xpending(RESULTS_STREAM, RESULTS_GROUP))["pending"] == 0
        assert await redis_client.xlen(dead_letter_stream(RESULTS_STREAM)) == 0
        assert await replicas[0].ready() == {}
    finally:
        for replica in replicas:
            replica.request_stop()
        await asyncio.gather(*runs, return_exceptions=True)
        for replica in replicas:
            await replica.close()
        await engine.dispose()
    assert all(run.exception() is None for run in runs)


async def _at_least(count, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await count() >= n


@pytest.fixture
async def outage_stack(private_database: str, private_redis: EmbeddedRedis, jwt_keys: tuple[Path, Path],
                       tmp_path: Path) -> AsyncIterator[Stack]:
    overrides = {**FAST, "UPTICK_CLAIM_IDLE_MS": str(CLAIM_IDLE_MS), "UPTICK_MAX_DELIVERIES": str(MAX_DELIVERIES),
                 "UPTICK_MAX_TIMEOUT_SECONDS": "1"}
    async with running_stack(database_url=private_database, redis_url=private_redis.url, jwt_keys=jwt_keys,
                             folder=tmp_path, overrides=overrides, regions=REGIONS) as running:
        yield running


@pytest.mark.timeout(180)
async def test_a_postgres_outage_longer_than_any_reclaim_cycle_loses_no_result(
        outage_stack: Stack, private_postgres: PrivatePostgres, private_database: str,
        private_redis: EmbeddedRedis) -> None:
    """Issue 13: every result of the checks in flight while Postgres is down is stored once it is back, each
    job exactly one tick, and no dead letter anywhere."""
    stack = outage_stack
    target = MultiTarget(delay=0.6)  # checks stay in flight while Postgres goes away
    await target.start()
    engine = create_engine(private_database, pool_size=2)
    redis = aioredis.Redis.from_url(private_redis.url)
    ingest_port = stack.services["ingest"].health_port
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
            auth = await sign_up_and_log_in(client, "outage@example.com", "a long enough password")
            me = (await client.get("/api/auth/me", headers=auth)).json()
        await insert_monitors(engine, me["id"], [target.url(n) for n in range(60)], interval=10, timeout=1,
                              regions=REGIONS)
        await eventually(lambda: stored_tick_keys(engine), timeout=30)  # the pipeline is flowing
        await engine.dispose()

        await asyncio.to_thread(private_postgres.stop, "fast")
        await asyncio.sleep(OUTAGE_S)
        waiting = (await backlog(redis, RESULTS_STREAM, RESULTS_GROUP)).total
        assert waiting > 0  # results of the checks in flight, unstored, yet
        assert not any(n for stream, n in (await backlogs(redis, REGIONS)).items() if stream.startswith("uptick:dead"))
        assert (await health(ingest_port, "/healthz"))[0] == 200  # alive: no probe restarts it
        status, body = await health(ingest_port, "/readyz")
        assert status == 503 and "postgres" in body["failures"]  # type: ignore[operator]
        await asyncio.to_thread(private_postgres.start)

        await asyncio.sleep(3)  # the poller schedules again
        assert not stack.crashed(), f"exited by themselves: {stack.crashed()}"
        stack.kill("poller", signal.SIGTERM)
        assert await stack.wait_exit("poller") == 0

        async def empty() -> bool:
            return not any((await backlogs(redis, REGIONS)).values())  # dead letters included

        await eventually(empty, timeout=60)
        jobs, ticks = await ledger(redis, REGIONS), await stored_tick_keys(engine)
        assert set(jobs) == set(ticks), f"lost: {sorted(set(jobs) - set(ticks))[:5]}"
        assert max(ticks.values()) == 1
        print(f"{len(jobs)} jobs, {waiting} results waited for Postgres, all stored once")
    finally:
        await redis.aclose()
        await engine.dispose()
        await target.stop()
