"""StreamConsumer against a real Redis: what a restarted consumer is handed from its own pending entries."""

from __future__ import annotations

import redis.asyncio as aioredis

from uptick_common.consumer import StreamConsumer

STREAM, GROUP, NAME = "uptick:checks:test", "checkers", "checker-test-0"


async def test_a_restarted_consumer_gets_each_of_its_pending_entries_once(redis_client: aioredis.Redis) -> None:
    before = StreamConsumer(redis_client, STREAM, GROUP, NAME)
    await before.setup()
    ids = [(await redis_client.xadd(STREAM, {"data": str(n)})).decode() for n in range(5)]
    assert [d.id for d in await before.read(10, 100)] == ids  # then it dies without acknowledging

    after = StreamConsumer(redis_client, STREAM, GROUP, NAME)  # same name: it resumes the pending entries
    handed = [[d.id for d in await after.read(2, 100)] for _ in range(4)]
    # Still being worked on (none acknowledged yet), yet not handed out again.
    assert handed == [ids[:2], ids[2:4], ids[4:], []]
    pending = await redis_client.xpending_range(STREAM, GROUP, min="-", max="+", count=10)
    assert [p["times_delivered"] for p in pending] == [2] * 5


async def test_pending_entries_trimmed_away_are_skipped_and_counted(redis_client: aioredis.Redis) -> None:
    before = StreamConsumer(redis_client, STREAM, GROUP, NAME)
    await before.setup()
    ids = [(await redis_client.xadd(STREAM, {"data": str(n)})).decode() for n in range(4)]
    await before.read(10, 100)
    await redis_client.xtrim(STREAM, minid=ids[2], approximate=False)  # the first two are gone while pending

    after = StreamConsumer(redis_client, STREAM, GROUP, NAME)
    assert [d.id for d in await after.read(10, 100)] == ids[2:]
    assert [d.id for d in await after.read(10, 100)] == []
    assert [p["message_id"].decode() for p in
            await redis_client.xpending_range(STREAM, GROUP, min="-", max="+", count=10)] == ids[2:]
