from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from uptick_common import tokens
from uptick_common.db.engine import sqlalchemy_url
from uptick_devstack.fixtures import add_personal_org
from uptick_monitors.main import build_app
from uptick_monitors.settings import MonitorsSettings


@pytest.fixture
async def api(database_url: str, redis_url: str, jwt_keys: tuple[Path, Path]) -> AsyncIterator[httpx.AsyncClient]:
    settings = MonitorsSettings(database_url=database_url, redis_url=redis_url, jwt_public_key_file=str(jwt_keys[1]),
                                regions=("eu-west", "us-east"),
                                quota_min_interval_seconds=10)  # test_quotas.py tests the defaults
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
async def make_user(database_url: str, jwt_keys: tuple[Path, Path]):
    """Create a user with a live session; returns its Authorization header."""
    engine = create_async_engine(sqlalchemy_url(database_url))

    async def make(email: str) -> dict[str, str]:
        async with engine.begin() as conn:
            user_id = await conn.scalar(
                text("INSERT INTO users (email, password_hash) VALUES (:e, 'x') RETURNING id"), {"e": email})
            await add_personal_org(conn, user_id, email)
            await conn.execute(
                text("INSERT INTO auth_sessions (id, user_id, expires_at) VALUES (:s, :u, :x)"),
                {"s": f"s-{user_id}", "u": user_id, "x": datetime.now(UTC) + timedelta(hours=1)})
        token, _ = tokens.issue(jwt_keys[0].read_bytes(), user_id=user_id, session_id=f"s-{user_id}",
                                ttl=timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    yield make
    await engine.dispose()
