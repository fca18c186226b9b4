"""Redis client creation, consumer-group set-up, backlog figures and retention."""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from uptick_common.backoff import retry_forever
from uptick_common.metrics import STREAM_LAG, STREAM_LENGTH, STREAM_PENDING, STREAM_TRIMMED, STREAM_UNACKED_AGE


def create_redis(redis_url: str) -> aioredis.Redis:
    # health_check_interval pings idle connections, so a restarted Redis is noticed before a command fails.
    return aioredis.Redis.from_url(redis_url, health_check_interval=15, socket_connect_timeout=5)


async def connect_redis(redis_url: str) -> aioredis.Redis:
    """A client that has answered a PING: start-up waits (with backoff) for Redis to be there."""
    client = create_redis(redis_url)
    await retry_forever("redis", client.ping)
    return client


async def ensure_group(client: aioredis.Redis, stream: str, group: str) -> None:
    """Create the consumer group (and the stream) if missing; new groups start at the beginning."""
    try:
        await client.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


@dataclass(frozen=True)
class Backlog:
    length: int
    lag: int  # entries never delivered to the group
    pending: int  # delivered, not yet acknowledged

    @property
    def total(self) -> int:
        return self.lag + self.pending


async def backlog(client: aioredis.Redis, stream: str, group: str) -> Backlog:
    """The group's backlog, also published as gauges. A missing stream or group has none."""
    try:
        groups = await client.xinfo_groups(stream)
        length = await client.xlen(stream)
    except ResponseError:  # no such key
        groups, length = [], 0
    info = next((g for g in groups if text(g["name"]) == group), None)
    # No group yet: nobody has read anything, so the whole stream is waiting.
    lag = int(info.get("lag") or 0) if info else length
    pending = int(info["pending"]) if info else 0
    STREAM_LENGTH.labels(stream).set(length)
    STREAM_LAG.labels(stream, group).set(lag)
    STREAM_PENDING.labels(stream, group).set(pending)
    return Backlog(length=length, lag=lag, pending=pending)


# KEYS: the stream. ARGV: the id before which entries are past retention. Finds the oldest entry some group
# has not acknowledged (pending, or not yet delivered to it) and trims only below both. A stream no group reads
# yet keeps everything (the poller's backlog bound limits it). Returns {entries trimmed, that oldest id or ''}.
_TRIM_PROCESSED = """
local function less(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, ''} end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 then return {0, ''} end
local oldest = nil
for _, group in ipairs(groups) do
  local name, last
  for i = 1, #group, 2 do
    if group[i] == 'name' then name = group[i + 1] elseif group[i] == 'last-delivered-id' then last = group[i + 1] end
  end
  local first = nil
  local pending = redis.call('XPENDING', KEYS[1], name)
  if pending[1] > 0 then
    first = pending[2]
  else
    local after = redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1)
    if #after > 0 then first = after[1][1] end
  end
  if first and (oldest == nil or less(first, oldest)) then oldest = first end
end
local bound = ARGV[1]
if oldest and less(oldest, bound) then bound = oldest end
return {redis.call('XTRIM', KEYS[1], 'MINID', '~', bound), oldest or ''}
"""


async def trim_processed(client: aioredis.Redis, stream: str, before: str) -> int:
    """Trim entries older than `before` that every consumer group has acknowledged; never one still pending
    or not yet delivered. Counts what went (`uptick_stream_trimmed_total`) and publishes how old the oldest
    unacknowledged entry is (`uptick_stream_unacked_age_seconds`: over the retention, entries are kept for a
    group that is behind). Returns the number trimmed."""
    trimmed, oldest = await client.eval(_TRIM_PROCESSED, 1, stream, before)
    oldest = text(oldest)
    STREAM_TRIMMED.labels(stream).inc(int(trimmed))
    age = max(0.0, time.time() - int(oldest.split("-")[0]) / 1000) if oldest else 0.0
    STREAM_UNACKED_AGE.labels(stream).set(age)
    return int(trimmed)


def text(value: bytes | str) -> str:
    """Redis replies are bytes; names and ids are text."""
    return value.decode() if isinstance(value, bytes) else value
