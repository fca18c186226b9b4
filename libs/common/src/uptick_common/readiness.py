"""Dependency checks behind /readyz: does Postgres answer, does Redis answer."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from uptick_common.backoff import TRANSIENT_ERRORS


async def check_dependencies(
    *, engine: AsyncEngine | None = None, redis: aioredis.Redis | None = None, timeout: float = 2.0
) -> dict[str, str]:
    """Empty when everything answers; otherwise what failed and why (shown by /readyz)."""
    failures: dict[str, str] = {}
    if engine is not None:
        try:
            async with asyncio.timeout(timeout), engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (TimeoutError, *TRANSIENT_ERRORS) as exc:
            failures["postgres"] = type(exc).__name__
    if redis is not None:
        try:
            async with asyncio.timeout(timeout):
                await redis.ping()
        except (TimeoutError, *TRANSIENT_ERRORS) as exc:
            failures["redis"] = type(exc).__name__
    return failures
