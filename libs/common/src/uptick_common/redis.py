"""Redis client creation, consumer-group set-up and backlog figures."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from uptick_common.backoff import retry_forever
from uptick_common.metrics import STREAM_LAG, STREAM_LENGTH, STREAM_PENDING


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


def text(value: bytes | str) -> str:
    """Redis replies are bytes; names and ids are text."""
    return value.decode() if isinstance(value, bytes) else value
