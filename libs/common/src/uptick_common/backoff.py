"""Exponential backoff for reconnecting to Postgres and Redis: one log line per attempt."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import psycopg
import redis.exceptions
import sqlalchemy.exc
import structlog

T = TypeVar("T")
log = structlog.get_logger(__name__)

# Failures that mean "a dependency is away for a while", as opposed to a bug or bad data.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    psycopg.OperationalError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
)


def delay_for(attempt: int, base: float = 0.25, cap: float = 10.0) -> float:
    """Full-jitter exponential backoff: spreads reconnect storms of many replicas."""
    return random.uniform(0, min(cap, base * 2**attempt))


async def retry_forever(what: str, action: Callable[[], Awaitable[T]], *, cap: float = 10.0) -> T:
    """Run `action` until it succeeds; connection-level failures are waited out, never fatal."""
    attempt = 0
    while True:
        try:
            return await action()
        except TRANSIENT_ERRORS as exc:
            delay = delay_for(attempt, cap=cap)
            log.warning("dependency unavailable, retrying", dependency=what, attempt=attempt + 1,
                        retry_in_s=round(delay, 2), error=str(exc) or type(exc).__name__)
            attempt += 1
            await asyncio.sleep(delay)
