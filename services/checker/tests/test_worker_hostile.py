"""The whole zoo at once through the real worker and a real Redis: one result per job, each with its reason,
and a good target's job, added while the hostile ones hang, is checked at once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from uptick_checker.http_check import HttpChecker
from uptick_checker.worker import Checker
from uptick_common.netguard import parse_networks
from uptick_common.redis import connect_redis
from uptick_common.streams import RESULTS_STREAM, CheckResult
from uptick_devstack.zoo import Zoo

from .test_hostile_targets import EXPECTED, TIMED_OUT
from .test_worker import add_jobs, make_job, pending, settings

COPIES = 4  # jobs per hostile target
TIMEOUT_S = 8.0  # long enough that the good job surely comes and goes while the slow ones hang


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def all_results(client: aioredis.Redis) -> list[CheckResult]:
    return [CheckResult.from_fields(fields) for _, fields in await client.xrange(RESULTS_STREAM)]


async def wait_for(client: aioredis.Redis, count: int, timeout: float) -> list[CheckResult]:
    async with asyncio.timeout(timeout):
        while True:
            if len(found := await all_results(client)) >= count:
                return found
            await asyncio.sleep(0.02)


async def test_the_zoo_through_the_worker(redis_url: str, client: aioredis.Redis, tmp_path) -> None:
    zoo = await Zoo(tmp_path).start()
    hostile = [name for name in zoo.urls if EXPECTED[name] is not None]
    jobs = {n: make_job(n, zoo.urls[name], timeout=TIMEOUT_S)
            for n, name in enumerate((name for name in hostile for _ in range(COPIES)), start=100)}
    name_of = {n: hostile[(n - 100) // COPIES] for n in jobs}
    slow = {n for n, name in name_of.items() if EXPECTED[name] == TIMED_OUT}
    expected = {n: f"timeout after {TIMEOUT_S:g}s" if n in slow else EXPECTED[name] for n, name in name_of.items()}

    # all on 127.0.0.1: no host rate limit here (test_ratelimit.py has its own)
    config = settings(redis_url, host_rate_per_second=0)
    http = await HttpChecker.open(allowed_networks=parse_networks("127.0.0.0/8"),
                                  ssl_context=zoo.tls.trust())
    worker = Checker(config, await connect_redis(redis_url), http)
    await add_jobs(client, *jobs.values())
    task = asyncio.create_task(worker.run())
    try:
        found = await wait_for(client, len(jobs) - len(slow), timeout=TIMEOUT_S - 2)  # every quick failure
        assert not slow & {r.monitor_id for r in found}, "the slow ones are still in flight"

        good = make_job(1, zoo.urls["tls_good"])
        added = time.monotonic()
        await add_jobs(client, good)
        now_in = {r.monitor_id for r in await wait_for(client, len(found) + 1, timeout=4)}  # a read block, a check
        assert time.monotonic() - added < 4
        assert 1 in now_in and not slow & now_in, "the good job is checked while the slow ones hang"

        found = await wait_for(client, len(jobs) + 1, timeout=TIMEOUT_S + 5)
        await asyncio.sleep(0.5)  # nothing more comes
        found = await all_results(client)
        assert await pending(client) == 0
    finally:
        worker.request_stop()
        await asyncio.wait_for(task, 30)
        await worker.close()
        await zoo.close()

    assert Counter(r.job_id for r in found) == Counter([good.job_id, *(job.job_id for job in jobs.values())])
    by_monitor = {r.monitor_id: r for r in found}
    assert (by_monitor[1].status, by_monitor[1].http_status, by_monitor[1].error) == ("up", 200, None)
    seen = {n: (by_monitor[n].status, by_monitor[n].error) for n in jobs}
    assert seen == {n: ("down", reason) for n, reason in expected.items()}
    for n in slow:
        assert TIMEOUT_S * 1000 <= (by_monitor[n].latency_ms or 0) < (TIMEOUT_S + 2) * 1000
