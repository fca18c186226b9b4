"""Dependency checks behind /readyz: does Postgres answer, does Redis answer."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from uptick_common.backoff import transient_errors

if TYPE_CHECKING:  # a worker without Postgres (the checker) never imports SQLAlchemy
    import redis.asyncio as aioredis
    from sqlalchemy.ext.asyncio import AsyncEngine


async def check_dependencies(
    *, engine: AsyncEngine | None = None, redis: aioredis.Redis | None = None, timeout: float = 2.0
) -> dict[str, str]:
    """Empty when everything answers; otherwise what failed and why (shown by /readyz)."""
    failures: dict[str, str] = {}
    if engine is not None:
        from sqlalchemy import text

        try:
            async with asyncio.timeout(timeout), engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except transient_errors() as exc:  # TimeoutError among them
            failures["postgres"] = type(exc).__name__
    if redis is not None:
        try:
            async with asyncio.timeout(timeout):
                await redis.ping()
        except transient_errors() as exc:  # TimeoutError among them
            failures["redis"] = type(exc).__name__
    return failures
