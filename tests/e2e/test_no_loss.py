"""Kill -9 a checker and ingest while jobs are in flight: every scheduled job still ends as exactly one tick."""

import asyncio
import signal

import httpx
import redis.asyncio as aioredis

from tests.e2e.helpers import Target, backlogs, eventually, ledger, sign_up_and_log_in, stored_tick_keys

REGIONS = ("eu-west", "us-east")
MONITORS = 30


async def drained(redis: aioredis.Redis) -> bool:
    return not any((await backlogs(redis, REGIONS)).values())


async def test_kill_9_checker_and_ingest_loses_and_duplicates_nothing(stack, target: Target, engine,
                                                                       redis_client) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        auth = await sign_up_and_log_in(client, "ops@example.com", "a long enough password")
        for i in range(MONITORS):
            answer = await client.post("/api/monitors", headers=auth, json={
                "url": f"{target.url}?n={i}", "interval_seconds": 10, "timeout_seconds": 2})
            assert answer.status_code == 201

    await eventually(lambda: stored_tick_keys(engine), timeout=20)  # the pipeline is flowing
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

    jobs = set(await ledger(redis_client, REGIONS))
    ticks = await stored_tick_keys(engine)
    assert len(jobs) >= MONITORS * len(REGIONS) * 2  # at least two rounds were scheduled
    assert set(ticks) == jobs, f"lost: {sorted(jobs - set(ticks))[:5]}, extra: {sorted(set(ticks) - jobs)[:5]}"
    assert max(ticks.values()) == 1
