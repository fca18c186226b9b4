"""Argon2id password hashes, computed off the event loop and a few at a time.

Each hash takes tens of milliseconds of CPU and 64 MiB of memory (argon2-cffi's RFC 9106 low-memory
profile), so they run in threads, and a semaphore caps how many run at once: a burst of log-ins
waits its turn instead of blocking the loop or exhausting the pod's memory.
"""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_slots = asyncio.Semaphore(4)


async def hash_password(password: str) -> str:
    async with _slots:
        return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    async with _slots:
        return await asyncio.to_thread(_verify, password_hash, password)


async def verify_against_dummy(password: str) -> None:
    """Spend the time a real verification takes, so that an unknown email answers like a wrong password."""
    async with _slots:
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
