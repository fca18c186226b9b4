"""Log-in, sign-up and password-change attempts, counted in Redis so that every replica shares the count.

Each attempt is counted *before* its password is hashed, in one Lua script that also checks the limit,
so that a burst of concurrent attempts cannot all pass the check before any of them is counted.
Fixed windows: the first attempt starts one; once a key's count is over its limit, attempts get a 429
until the window ends. A successful log-in clears its email's count and gives back its address's
attempt, so that the address limit counts failures only (a password change clears its user's count). Keys
expire with their window, so memory is bounded by the attempts of the last window. Keys carry a hash of the
email, address or user id, never the value.
"""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis

KEY_PREFIX = "uptick:auth:attempts:"

# KEYS: the counters; ARGV: window seconds, then each key's limit. Returns 0 (allowed, all counted) or the
# seconds until the longest-throttled key's window ends.
_COUNT = """
local wait = 0
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  if count > tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = 1 end
    if ttl > wait then wait = ttl end
  end
end
return wait
"""
# KEYS: the email's counter, the address's. Gives the address its attempt back only while its window lasts
# (a DECR after expiry would leave a key without a TTL).
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECR', KEYS[2]) end
"""


class LoginThrottle:
    def __init__(
        self, redis: aioredis.Redis, *, max_failures: int, window_seconds: int,
        max_failures_per_address: int = 100, max_signups_per_address: int = 20, signup_window_seconds: int = 3600,
    ) -> None:
        self.redis, self.max_failures, self.window_seconds = redis, max_failures, window_seconds
        self.max_failures_per_address = max_failures_per_address
        self.max_signups_per_address, self.signup_window_seconds = max_signups_per_address, signup_window_seconds
        self._count, self._succeeded = redis.register_script(_COUNT), redis.register_script(_SUCCEEDED)

    async def login_attempt(self, email: str, address: str) -> int | None:
        """Counts one log-in attempt; seconds until this email or address may try again, or None when it may now."""
        wait = await self._count(keys=[_key("login:email", email), _key("login:addr", address)],
                                 args=[self.window_seconds, self.max_failures, self.max_failures_per_address])
        return int(wait) or None

    async def signup_attempt(self, address: str) -> int | None:
        wait = await self._count(keys=[_key("signup:addr", address)],
                                 args=[self.signup_window_seconds, self.max_signups_per_address])
        return int(wait) or None

    async def succeeded(self, email: str, address: str) -> None:
        await self._succeeded(keys=[_key("login:email", email), _key("login:addr", address)])

    async def password_attempt(self, user_id: int) -> int | None:
        """Counts one attempt to change a user's password (its current password guessed, e.g. from a stolen
        session), with the log-in's limit per email and window; seconds to wait, or None."""
        wait = await self._count(keys=[_key("password:user", str(user_id))],
                                 args=[self.window_seconds, self.max_failures])
        return int(wait) or None

    async def password_changed(self, user_id: int) -> None:
        await self.redis.delete(_key("password:user", str(user_id)))


def _key(kind: str, value: str) -> str:
    return f"{KEY_PREFIX}{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"
