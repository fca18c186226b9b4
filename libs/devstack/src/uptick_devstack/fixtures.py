"""Small helpers for tests that need rows: a user (with the personal organization a sign-up makes) and
monitors, written as the owning services would."""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


async def add_user(engine: AsyncEngine, email: str) -> int:
    async with engine.begin() as conn:
        user_id = await conn.scalar(
            text("INSERT INTO users (email, password_hash) VALUES (:e, 'x') RETURNING id"), {"e": email}
        )
        await add_personal_org(conn, user_id, email)
        return user_id


async def add_personal_org(conn: AsyncConnection, user_id: int, email: str) -> int:
    """The user's personal organization, the user its owner, as a sign-up makes it."""
    org_id = await conn.scalar(text("INSERT INTO organizations (name, personal_for) VALUES (:e, :u) RETURNING id"),
                               {"e": email, "u": user_id})
    await conn.execute(text("INSERT INTO memberships (org_id, user_id, role) VALUES (:o, :u, 'owner')"),
                       {"o": org_id, "u": user_id})
    return org_id


async def add_monitor(
    engine: AsyncEngine, user_id: int, url: str, *, interval: int = 60, timeout: int = 5,
    regions: tuple[str, ...] = ("eu-west", "us-east"), paused: bool = False,
) -> int:
    async with engine.begin() as conn:
        return await conn.scalar(
            text(
                "INSERT INTO monitors (org_id, user_id, name, url, interval_seconds, timeout_seconds, regions, paused)"
                " SELECT id, :u, :url, :url, :i, :t, :r, :p FROM organizations WHERE personal_for = :u RETURNING id"
            ),
            {"u": user_id, "url": url, "i": interval, "t": timeout, "r": list(regions), "p": paused},
        )


async def add_channel(engine: AsyncEngine, user_id: int, type_: str, config: dict[str, object], *,
                      name: str = "ops", is_default: bool = True) -> int:
    """A channel of the user's personal organization, its config validated as the API validates it."""
    from uptick_common import channels

    saved = channels.parse(type_, config).model_dump(mode="json")
    async with engine.begin() as conn:
        return await conn.scalar(
            text("INSERT INTO channels (org_id, type, name, config, is_default)"
                 " SELECT id, :type, :name, CAST(:config AS jsonb), :d FROM organizations WHERE personal_for = :u"
                 " RETURNING id"),
            {"u": user_id, "type": type_, "name": name, "config": json.dumps(saved), "d": is_default},
        )
