"""Retention trims only what every consumer group has acknowledged: an entry pending or never delivered to
some group stays, however old, and how old it is shows in a gauge."""

from __future__ import annotations

import time

import redis.asyncio as aioredis
from prometheus_client import REGISTRY

from uptick_common.redis import ensure_group, trim_processed

STREAM = "uptick:test:retention"


def sample(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"stream": STREAM}) or 0.0


async def _add_old(client: aioredis.Redis, count: int) -> list[str]:
    return [(await client.xadd(STREAM, {"data": "{}"}, id=f"{ms}-0")).decode() for ms in range(1, count + 1)]


async def test_only_entries_every_group_acknowledged_are_trimmed(redis_client: aioredis.Redis) -> None:
    ids = await _add_old(redis_client, 500)  # all from 1970: long past retention
    for group in ("fast", "slow"):
        await ensure_group(redis_client, STREAM, group)
    now = f"{int(time.time() * 1000)}-0"
    # "fast" read and acknowledged everything; "slow" read 300, acknowledged the first 250, never saw the rest.
    read = await redis_client.xreadgroup("fast", "c", {STREAM: ">"}, count=500)
    await redis_client.xack(STREAM, "fast", *[i for i, _ in read[0][1]])
    read = await redis_client.xreadgroup("slow", "c", {STREAM: ">"}, count=300)
    await redis_client.xack(STREAM, "slow", *[i for i, _ in read[0][1]][:250])
    trimmed_before = sample("uptick_stream_trimmed_total")

    trimmed = await trim_processed(redis_client, STREAM, now)

    left = [i.decode() for i, _ in await redis_client.xrange(STREAM)]
    assert ids[250:] == left[-250:]  # the pending 50 and the 200 never delivered to "slow" are all there
    assert 0 < trimmed <= 250 and len(left) == 500 - trimmed  # approximate: whole nodes of 100 at most
    assert sample("uptick_stream_trimmed_total") - trimmed_before == trimmed
    assert sample("uptick_stream_unacked_age_seconds") > 50 * 365 * 86400  # the oldest unacknowledged: 1970

    # "slow" catches up: now everything past retention goes, and nothing is unacknowledged.
    read = await redis_client.xreadgroup("slow", "c", {STREAM: "0"}, count=500)
    more = await redis_client.xreadgroup("slow", "c", {STREAM: ">"}, count=500)
    await redis_client.xack(STREAM, "slow", *[i for i, _ in read[0][1] + more[0][1]])
    await trim_processed(redis_client, STREAM, now)
    assert await redis_client.xlen(STREAM) < 100 and sample("uptick_stream_unacked_age_seconds") == 0


async def test_a_stream_no_group_reads_yet_keeps_everything(redis_client: aioredis.Redis) -> None:
    await _add_old(redis_client, 300)
    assert await trim_processed(redis_client, STREAM, f"{int(time.time() * 1000)}-0") == 0
    assert await redis_client.xlen(STREAM) == 300
    assert await trim_processed(redis_client, "uptick:test:missing", "1-0") == 0
