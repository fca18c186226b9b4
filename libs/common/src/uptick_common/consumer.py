"""At-least-once reading of a stream through a consumer group, shared by the checker and ingest.

A message is acknowledged only after its effect is durable (a result added, a row committed).
Messages left pending by a consumer that died are reclaimed after `claim_idle_ms`, and a restarted
consumer is handed its own pending messages again first; either way a message delivered more than
`max_deliveries` times is moved to the stream's dead-letter stream, counted and logged, so that one
poison message never blocks a group and nothing is silently dropped.

A delivery counts a consumer that took the message and did not finish it (it died, or a bug stopped it),
never a wait for a dependency: a consumer holding messages while Postgres is away keeps them claimed
(`holding()`, which resets their idle time without counting a delivery), so that nobody reclaims them,
however long the outage lasts.

Consumers are named after their pod, and pods get new names on every roll-out, so a group would
collect every name it has ever seen. A consumer idle longer than `retire_idle_ms` with nothing pending
has gone for good: it is removed from the group (in one script, so that it cannot take a message
between the look and the removal). One with pending messages stays until they are reclaimed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import TypedDict, cast

import redis.asyncio as aioredis
import structlog
from redis.exceptions import ResponseError
from redis.typing import EncodableT, FieldT

from uptick_common.faults import is_retryable
from uptick_common.metrics import DEAD_LETTERS
from uptick_common.redis import ensure_group, text
from uptick_common.settings import ConsumerSettings
from uptick_common.streams import dead_letter_stream

log = structlog.get_logger(__name__)

# KEYS[1] stream; ARGV group, idle threshold (ms), the caller's own name. Returns the names removed.
_RETIRE_DEPARTED = """
local removed = {}
for _, entry in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
    local info = {}
    for i = 1, #entry, 2 do info[entry[i]] = entry[i + 1] end
    if info['pending'] == 0 and info['idle'] > tonumber(ARGV[2]) and info['name'] ~= ARGV[3] then
        redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
        removed[#removed + 1] = info['name']
    end
end
return removed
"""

# KEYS[1] stream; ARGV group, consumer, then ids. Those still pending on this consumer are claimed by it
# again with JUSTID: their idle time starts over and their delivery count stays as it is.
_KEEP_CLAIMED = """
local claim = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
for i = 3, #ARGV do
    local entry = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
    if #entry == 1 then claim[#claim + 1] = ARGV[i] end
end
if #claim == 5 then return 0 end
claim[#claim + 1] = 'JUSTID'
return #redis.call(unpack(claim))
"""


# What redis-py's XREADGROUP, XAUTOCLAIM and XPENDING (range) answer, which its annotations leave open.
_ReadReply = list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]
_AutoClaimReply = tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]], list[bytes]]


class _PendingEntry(TypedDict):
    message_id: bytes
    consumer: bytes
    time_since_delivered: int
    times_delivered: int


@dataclass(frozen=True)
class Delivery:
    id: str
    fields: dict[bytes, bytes]


class StreamConsumer:
    def __init__(
        self,
        client: aioredis.Redis,
        stream: str,
        group: str,
        consumer: str,
        *,
        claim_idle_ms: int = 90_000,
        max_deliveries: int = 5,
        reclaim_every_s: float = 5.0,
        retire_idle_ms: int = 3_600_000,
        retire_every_s: float = 300.0,
    ) -> None:
        self.client = client
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.claim_idle_ms = claim_idle_ms
        self.max_deliveries = max_deliveries
        self.reclaim_every_s = reclaim_every_s
        self.retire_idle_ms = max(retire_idle_ms, claim_idle_ms)  # never before its messages are reclaimable
        self.retire_every_s = retire_every_s
        self._retire = client.register_script(_RETIRE_DEPARTED)
        self._keep_claimed = client.register_script(_KEEP_CLAIMED)
        self._next_retire = 0.0
        self._group_ready = False
        DEAD_LETTERS.labels(stream)  # a zero series from the start: "none yet" rather than "no data"
        self._own_pending_done = False
        # How far the walk through this consumer's own pending entries (after a restart) has got: each is
        # handed out once. Reading from "0" again would hand out again every entry still being worked on.
        self._own_pending_after = "0"
        self._last_entry_id: str | None = None
        self._next_reclaim = 0.0

    @classmethod
    def from_settings(cls, client: aioredis.Redis, stream: str, group: str,
                      settings: ConsumerSettings) -> StreamConsumer:
        # Looking for stale messages much less often than they become stale would only delay their takeover.
        return cls(client, stream, group, settings.consumer_name, claim_idle_ms=settings.claim_idle_ms,
                   max_deliveries=settings.max_deliveries, reclaim_every_s=min(5.0, settings.claim_idle_ms / 2000))

    async def setup(self) -> None:
        await ensure_group(self.client, self.stream, self.group)

    async def read(self, count: int, block_ms: int) -> list[Delivery]:
        """Up to `count` messages: first this consumer's own unacknowledged ones (after a restart),
        then stale ones of dead consumers, then new ones (waiting up to `block_ms`)."""
        try:
            return await self._read(count, block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # Redis lost the group (restarted without its data, or the key was deleted): make it again.
            log.warning("consumer group missing, creating it", stream=self.stream, group=self.group)
            await self.setup()
            return []

    async def _read(self, count: int, block_ms: int) -> list[Delivery]:
        if not self._group_ready:
            await self.setup()
            self._group_ready = True
        while not self._own_pending_done:
            own = await self._xreadgroup(self._own_pending_after, count, None)
            if self._last_entry_id is None:  # past the last one
                self._own_pending_done = True
            else:
                self._own_pending_after = self._last_entry_id
                own = await self._retire_overdelivered(own)  # the consumer kept dying on these
                if own:
                    return own
        if time.monotonic() >= self._next_reclaim:
            claimed = await self._reclaim(count)
            if claimed:
                return claimed
            self._next_reclaim = time.monotonic() + self.reclaim_every_s
        if time.monotonic() >= self._next_retire:
            self._next_retire = time.monotonic() + self.retire_every_s
            try:
                await self.retire_departed()
            except ResponseError as exc:  # housekeeping: never a reason not to read (a lost group is made below)
                log.warning("departed consumers not removed", stream=self.stream, group=self.group, error=str(exc))
        return await self._xreadgroup(">", count, block_ms)

    async def ack(self, ids: list[str]) -> None:
        if ids:
            await self.client.xack(self.stream, self.group, *ids)

    @asynccontextmanager
    async def holding(self, ids: list[str]) -> AsyncIterator[None]:
        """Keep these messages claimed by this consumer while the body runs (a batch waiting for Postgres):
        nobody reclaims them, and the wait counts no delivery."""
        keeper = asyncio.create_task(self._keep_claimed_loop(ids))
        try:
            yield
        finally:
            keeper.cancel()
            with suppress(asyncio.CancelledError):
                await keeper

    async def keep_claimed(self, ids: list[str]) -> int:
        """Start these messages' idle time over, if they are still this consumer's; returns how many were."""
        if not ids:
            return 0
        return int(await self._keep_claimed(keys=[self.stream], args=[self.group, self.consumer, *ids]))

    async def _keep_claimed_loop(self, ids: list[str]) -> None:
        while True:
            await asyncio.sleep(self.claim_idle_ms / 1000 / 3)  # two chances before anyone may reclaim them
            try:
                await self.keep_claimed(ids)
            except Exception as exc:
                if not is_retryable(exc):
                    raise
                log.debug("messages not kept claimed, Redis is away", stream=self.stream, error=type(exc).__name__)

    async def dead_letter(self, delivery: Delivery, reason: str) -> None:
        """Keep the message for a human, with the reason, and take it off the group's books."""
        dead = dead_letter_stream(self.stream)
        fields: dict[FieldT, EncodableT] = {key: value for key, value in delivery.fields.items()}
        fields.update({b"dead_reason": reason.encode(), b"dead_id": delivery.id.encode()})
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xadd(dead, fields, maxlen=100_000, approximate=True)
            pipe.xack(self.stream, self.group, delivery.id)
            await pipe.execute()
        DEAD_LETTERS.labels(self.stream).inc()
        log.error("message moved to dead-letter stream", stream=self.stream, stream_id=delivery.id,
                  dead_letter_stream=dead, reason=reason)

    async def retire_departed(self) -> list[str]:
        """Remove the group's consumers that have gone for good (see the module's docstring)."""
        removed = [text(name) for name in await self._retire(
            keys=[self.stream], args=[self.group, self.retire_idle_ms, self.consumer])]
        if removed:
            log.info("departed consumers removed from the group", stream=self.stream, group=self.group,
                     consumers=removed)
        return removed

    async def _lost(self, ids: list[str]) -> None:
        """Pending entries the stream's retention trimmed away before anyone processed them."""
        await self.ack(ids)
        DEAD_LETTERS.labels(self.stream).inc(len(ids))
        log.error("pending messages were trimmed before being processed", stream=self.stream, count=len(ids),
                  first_id=ids[0])

    async def _xreadgroup(self, start: str, count: int, block_ms: int | None) -> list[Delivery]:
        self._last_entry_id = None  # the reply's last entry, trimmed ones included
        reply = await self.client.xreadgroup(
            self.group, self.consumer, {self.stream: start}, count=count, block=block_ms
        )
        deliveries = []
        for _stream, entries in cast(_ReadReply, reply or []):
            for entry_id, fields in entries:
                self._last_entry_id = text(entry_id)
                if not fields:  # trimmed away while pending (redis-py gives {}): nothing to process, but say so
                    await self._lost([text(entry_id)])
                    continue
                deliveries.append(Delivery(text(entry_id), fields))
        return deliveries

    async def _reclaim(self, count: int) -> list[Delivery]:
        """Take over messages idle longer than the visibility timeout; retire the ones tried too often."""
        reply = await self.client.xautoclaim(
            self.stream, self.group, self.consumer, min_idle_time=self.claim_idle_ms, start_id="0-0", count=count
        )
        _cursor, entries, deleted = cast(_AutoClaimReply, reply)
        if deleted:
            await self._lost([text(d) for d in deleted])
        if not entries:
            return []
        fresh = await self._retire_overdelivered([Delivery(text(entry_id), fields) for entry_id, fields in entries])
        log.warning("reclaimed messages of a stopped consumer", stream=self.stream, count=len(fresh))
        return fresh

    async def _retire_overdelivered(self, deliveries: list[Delivery]) -> list[Delivery]:
        """Dead-letter the messages (now this consumer's) delivered more than `max_deliveries` times."""
        if not deliveries:
            return []
        pending = await self.client.xpending_range(
            self.stream, self.group, min=deliveries[0].id, max=deliveries[-1].id, count=len(deliveries) * 2,
            consumername=self.consumer,
        )
        times_by_id = {text(p["message_id"]): int(p["times_delivered"]) for p in cast(list[_PendingEntry], pending)}
        fresh = []
        for delivery in deliveries:
            times = times_by_id.get(delivery.id, 1)
            if times > self.max_deliveries:
                await self.dead_letter(delivery, f"delivered {times} times without being acknowledged")
            else:
                fresh.append(delivery)
        return fresh

