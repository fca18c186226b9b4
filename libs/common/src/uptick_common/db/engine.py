"""The async engine and session factory; created by a service's lifespan, never at import time."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from uptick_common.backoff import retry_forever


def sqlalchemy_url(database_url: str) -> str:
    """`postgresql://…` as users write it, with the psycopg 3 driver SQLAlchemy needs."""
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        url = url.set(drivername="postgresql+psycopg")
    else:
        raise ValueError(f"UPTICK_DATABASE_URL must be a postgresql:// URL, not {url.drivername}://")
    return url.render_as_string(hide_password=False)


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(database_url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,  # a connection killed by a Postgres restart is replaced, not handed out
        pool_recycle=1800,
        hide_parameters=True,  # a statement's values (header secrets, hashes) never reach an error or a log
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def wait_for_database(engine: AsyncEngine) -> None:
    """Start-up waits (with backoff, a log line per attempt) until Postgres answers."""

    async def ping() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await retry_forever("postgres", ping)
