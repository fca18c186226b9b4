"""StreamConsumer against a real Redis: what a restarted consumer is handed from its own pending entries,
what counts as a delivery, and which consumers leave the group for good."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from uptick_common.consumer import StreamConsumer
from uptick_common.streams import dead_letter_stream

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


async def _consumers(client: aioredis.Redis) -> dict[str, int]:
    return {c["name"].decode(): int(c["pending"]) for c in await client.xinfo_consumers(STREAM, GROUP)}


async def _works(client: aioredis.Redis, name: str, *, acknowledges: bool = True) -> None:
    """`name` takes a message (and finishes it): what a live consumer does (Redis 7.0 only counts a read that
    got something as the consumer's activity)."""
    await client.xadd(STREAM, {"data": name})
    [[_stream, [(entry_id, _fields)]]] = await client.xreadgroup(GROUP, name, {STREAM: ">"}, count=1)
    if acknowledges:
        await client.xack(STREAM, GROUP, entry_id)


async def test_consumers_gone_for_good_leave_the_group_but_not_while_they_hold_messages(
    redis_client: aioredis.Redis,
) -> None:
    """Pods get a new name on every roll-out: without this, a group lists every pod it ever had."""
    await StreamConsumer(redis_client, STREAM, GROUP, NAME).setup()
    await _works(redis_client, "pod-a", acknowledges=False)  # pod-a dies holding one message
    for name in ("pod-b", "pod-fresh", NAME):  # pod-b dies with nothing pending; NAME is the caller
        await _works(redis_client, name)

    # Gone for good: idle a second (an hour in production). The sleeps leave wide margins either side.
    consumer = StreamConsumer(redis_client, STREAM, GROUP, NAME, claim_idle_ms=0, retire_idle_ms=1000)
    await asyncio.sleep(0.4)
    assert await consumer.retire_departed() == []  # nobody idle long enough yet
    await asyncio.sleep(0.8)
    await _works(redis_client, "pod-fresh")  # still alive: it keeps working

    assert await consumer.retire_departed() == ["pod-b"]  # and never the caller, idle as long
    assert await _consumers(redis_client) == {"pod-a": 1, "pod-fresh": 0, NAME: 0}

    # Once pod-a's message is reclaimed (and acknowledged), pod-a goes too.
    [reclaimed] = await consumer.read(10, 100)
    await consumer.ack([reclaimed.id])
    await asyncio.sleep(1.1)
    assert sorted(await consumer.retire_departed()) == ["pod-a", "pod-fresh"]
    assert await _consumers(redis_client) == {NAME: 0}


async def test_removing_departed_consumers_never_stops_reading(redis_client: aioredis.Redis) -> None:
    consumer = StreamConsumer(redis_client, STREAM, GROUP, NAME, reclaim_every_s=3600, retire_every_s=0)
    assert await consumer.read(10, 10) == []
    await redis_client.xgroup_destroy(STREAM, GROUP)  # Redis lost the group: the script fails (NOGROUP)
    assert await consumer.read(10, 10) == []  # and the read makes the group again
    entry_id = (await redis_client.xadd(STREAM, {"data": "1"})).decode()
    assert [d.id for d in await consumer.read(10, 10)] == [entry_id]


async def test_a_message_a_restarted_consumer_keeps_dying_on_goes_to_the_dead_letters(
    redis_client: aioredis.Redis,
) -> None:
    poison = (await redis_client.xadd(STREAM, {"data": "kills its consumer"})).decode()
    for _ in range(2):  # delivered, then the consumer dies; restarted under the same name, it dies again
        consumer = StreamConsumer(redis_client, STREAM, GROUP, NAME, max_deliveries=2)
        assert [d.id for d in await consumer.read(10, 10)] == [poison]
    restarted = StreamConsumer(redis_client, STREAM, GROUP, NAME, max_deliveries=2)
    assert await restarted.read(10, 10) == []  # its third delivery is one too many
    [(_, fields)] = await redis_client.xrange(dead_letter_stream(STREAM))
    assert (fields[b"dead_id"].decode(), fields[b"dead_reason"]) == (
        poison, b"delivered 3 times without being acknowledged")
    assert (await redis_client.xpending(STREAM, GROUP))["pending"] == 0


async def test_messages_kept_claimed_are_not_reclaimed_and_count_no_delivery(redis_client: aioredis.Redis) -> None:
    """A consumer waiting for Postgres keeps its batch: another consumer takes over nothing, however long."""
    holder = StreamConsumer(redis_client, STREAM, GROUP, NAME, claim_idle_ms=300)
    other = StreamConsumer(redis_client, STREAM, GROUP, "other", claim_idle_ms=300, reclaim_every_s=0)
    await holder.setup()
    ids = [(await redis_client.xadd(STREAM, {"data": str(n)})).decode() for n in range(3)]
    batch = await holder.read(10, 10)
    async with holder.holding([d.id for d in batch]):
        for _ in range(6):  # 1.2 s: four times the claim timeout
            await asyncio.sleep(0.2)
            assert await other.read(10, 10) == []
    pending = await redis_client.xpending_range(STREAM, GROUP, min="-", max="+", count=10)
    assert [(p["message_id"].decode(), p["consumer"].decode(), p["times_delivered"]) for p in pending] == [
        (entry_id, NAME, 1) for entry_id in ids]
    await asyncio.sleep(0.4)  # no longer held: a consumer that stopped answering loses them
    assert [d.id for d in await other.read(10, 10)] == ids


async def test_only_messages_still_its_own_are_kept_claimed(redis_client: aioredis.Redis) -> None:
    holder = StreamConsumer(redis_client, STREAM, GROUP, NAME)
    await holder.setup()
    mine, taken = [(await redis_client.xadd(STREAM, {"data": str(n)})).decode() for n in range(2)]
    await holder.read(10, 10)
    await redis_client.xclaim(STREAM, GROUP, "other", 0, [taken])  # another consumer took this one over
    assert await holder.keep_claimed([mine, taken]) == 1
    owners = {p["message_id"].decode(): p["consumer"].decode()
              for p in await redis_client.xpending_range(STREAM, GROUP, min="-", max="+", count=10)}
    assert owners == {mine: NAME, taken: "other"}
