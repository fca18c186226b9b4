"""Exponential backoff for reconnecting to Postgres and Redis: one log line per attempt."""

from __future__ import annotations

import asyncio
import importlib
import random
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import redis.exceptions
import structlog

T = TypeVar("T")
log = structlog.get_logger(__name__)

# Redis (or the network to it) is away for a while, as opposed to a bug or bad data.
REDIS_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
)
# The same for Postgres, by module and name: see `loaded_errors`.
_POSTGRES_ERRORS = (("psycopg", "OperationalError"), ("sqlalchemy.exc", "OperationalError"),
                    ("sqlalchemy.exc", "InterfaceError"))


def loaded_errors(names: Iterable[tuple[str, str]], *, load: bool = False) -> tuple[type[Exception], ...]:
    """The exception classes named (module, class) whose modules are loaded. An error of a module never
    imported cannot be raised, so that is enough for an `except` clause or an `isinstance`, and a process
    that never speaks to Postgres (the checker) never imports psycopg or SQLAlchemy to list their errors.
    `load=True` imports the modules first, for a list made once at start (the API's error handlers)."""
    names = tuple(names)
    if load:
        for module in {module for module, _ in names}:
            importlib.import_module(module)
    found: tuple[type[Exception], ...] = tuple(getattr(sys.modules[module], name) for module, name in names
                                              if module in sys.modules)
    return found


def transient_errors(*, postgres: bool = False) -> tuple[type[Exception], ...]:
    """Failures that mean "a dependency is away for a while" (Redis, Postgres), as opposed to a bug or bad data.
    Postgres' once their libraries are loaded (`loaded_errors`); `postgres=True` loads them first."""
    return REDIS_ERRORS + loaded_errors(_POSTGRES_ERRORS, load=postgres)


def delay_for(attempt: int, base: float = 0.25, cap: float = 10.0) -> float:
    """Full-jitter exponential backoff: spreads reconnect storms of many replicas."""
    return random.uniform(0, min(cap, base * 2**attempt))


async def retry_forever(what: str, action: Callable[[], Awaitable[T]], *, cap: float = 10.0) -> T:
    """Run `action` until it succeeds; connection-level failures are waited out, never fatal."""
    attempt = 0
    while True:
        try:
            return await action()
        except transient_errors() as exc:
            delay = delay_for(attempt, cap=cap)
            log.warning("dependency unavailable, retrying", dependency=what, attempt=attempt + 1,
                        retry_in_s=round(delay, 2), error=str(exc) or type(exc).__name__)
            attempt += 1
            await asyncio.sleep(delay)
