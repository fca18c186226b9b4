"""Argon2id password hashes, computed off the event loop and a few at a time.

Each hash takes tens of milliseconds of CPU and 64 MiB of memory (argon2-cffi's RFC 9106 low-memory
profile), so they run in threads, and a semaphore caps how many run at once: a burst of log-ins
waits its turn instead of blocking the loop or exhausting the pod's memory. The queue in front of them
is bounded too: past it a hash is refused at once (`Busy`, a 503 with Retry-After) rather than left
to wait longer than any client would.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


class Busy(Exception):
    """More hashes are running and waiting than the queue holds."""


class _Slots:
    def __init__(self, concurrency: int, queue: int) -> None:
        self.configure(concurrency=concurrency, queue=queue)

    def configure(self, *, concurrency: int, queue: int) -> None:
        self._running, self.limit, self.in_flight = asyncio.Semaphore(concurrency), concurrency + queue, 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        if self.in_flight >= self.limit:
            raise Busy
        self.in_flight += 1
        try:
            async with self._running:
                yield
        finally:
            self.in_flight -= 1


_slots = _Slots(concurrency=4, queue=64)
configure = _slots.configure


async def hash_password(password: str) -> str:
    async with _slots():
        return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    async with _slots():
        return await asyncio.to_thread(_verify, password_hash, password)


async def verify_against_dummy(password: str) -> None:
    """Spend the time a real verification takes, so that an unknown email answers like a wrong password."""
    async with _slots():
        await asyncio.to_thread(lambda: _verify(_dummy_hash(), password))


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("the password of no one")
