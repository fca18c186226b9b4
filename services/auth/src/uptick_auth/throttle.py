"""Failed log-ins per email, counted in Redis so that every replica shares the count.

A fixed window: the first failure starts it, `max_failures` within it close log-in for that email
until it ends; a successful log-in clears the count. Keys expire with their window, so the memory
used is bounded by the failures of the last window. Keys carry a hash of the email, not the email.
"""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis

KEY_PREFIX = "uptick:auth:login-failures:"


class LoginThrottle:
    def __init__(self, redis: aioredis.Redis, *, max_failures: int, window_seconds: int) -> None:
        self.redis, self.max_failures, self.window_seconds = redis, max_failures, window_seconds

    async def retry_after(self, email: str) -> int | None:
        """Seconds until this email may try again, or None when it may try now."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(_key(email))
            pipe.ttl(_key(email))
            count, ttl = await pipe.execute()
        if count is None or int(count) < self.max_failures:
            return None
        return max(int(ttl), 1)

    async def failed(self, email: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(_key(email))
            pipe.expire(_key(email), self.window_seconds, nx=True)
            await pipe.execute()

    async def succeeded(self, email: str) -> None:
        await self.redis.delete(_key(email))


def _key(email: str) -> str:
    return KEY_PREFIX + hashlib.sha256(email.encode()).hexdigest()[:32]
