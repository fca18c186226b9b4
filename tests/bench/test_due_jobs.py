"""The jobs due in a pipeline window, read back from the job stream, against a real Redis: a window whose
first jobs the stream's retention already trimmed must say it is incomplete, not report fewer jobs due."""

from __future__ import annotations

import redis.asyncio as aioredis

from bench import pipeline
from uptick_common.streams import CheckJob

T0 = 1_800_000_000.0  # a window of ten seconds from here


async def _add(client: aioredis.Redis, due_s: float, monitor_id: int) -> None:
    due_ms = int(due_s * 1000)
    job = CheckJob(job_id=f"{monitor_id}:{due_ms}", monitor_id=monitor_id, region="bench", scheduled_ms=due_ms,
                   url="http://127.0.0.1/", timeout_seconds=5)
    await client.xadd("checks:bench", job.fields(), id=f"{due_ms + 5}-0")


async def test_every_job_due_in_the_window_and_no_other(redis_client: aioredis.Redis) -> None:
    await _add(redis_client, T0 - 3, 1)  # before the window
    for second in range(10):
        await _add(redis_client, T0 + second, 100 + second)
    await _add(redis_client, T0 + 10, 2)  # after it
    jobs, complete = await pipeline.due_jobs(redis_client, "checks:bench", T0, T0 + 10)
    assert sorted(m for m, _ in jobs) == list(range(100, 110))
    assert complete


async def test_a_trim_before_the_window_leaves_it_whole(redis_client: aioredis.Redis) -> None:
    await _add(redis_client, T0 - 30, 1)
    await _add(redis_client, T0 - 3, 2)
    for second in range(10):
        await _add(redis_client, T0 + second, 100 + second)
    await redis_client.xtrim("checks:bench", minid=f"{int((T0 - 10) * 1000)}-0", approximate=False)
    jobs, complete = await pipeline.due_jobs(redis_client, "checks:bench", T0, T0 + 10)
    assert len(jobs) == 10
    assert complete


async def test_a_window_whose_first_jobs_were_trimmed_is_incomplete(redis_client: aioredis.Redis) -> None:
    for second in range(10):
        await _add(redis_client, T0 + second, 100 + second)
    await redis_client.xtrim("checks:bench", minid=f"{int((T0 + 2) * 1000)}-0", approximate=False)
    jobs, complete = await pipeline.due_jobs(redis_client, "checks:bench", T0, T0 + 10)
    assert len(jobs) == 8
    assert not complete
