"""Small helpers for tests that need rows: a user and monitors, written as the owning services would."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def add_user(engine: AsyncEngine, email: str) -> int:
    async with engine.begin() as conn:
        return await conn.scalar(
            text("INSERT INTO users (email, password_hash) VALUES (:e, 'x') RETURNING id"), {"e": email}
        )


async def add_monitor(
    engine: AsyncEngine, user_id: int, url: str, *, interval: int = 60, timeout: int = 5,
    regions: tuple[str, ...] = ("eu-west", "us-east"), paused: bool = False,
) -> int:
    async with engine.begin() as conn:
        return await conn.scalar(
            text(
                "INSERT INTO monitors (user_id, name, url, interval_seconds, timeout_seconds, regions, paused)"
                " VALUES (:u, :url, :url, :i, :t, :r, :p) RETURNING id"
            ),
            {"u": user_id, "url": url, "i": interval, "t": timeout, "r": list(regions), "p": paused},
        )
