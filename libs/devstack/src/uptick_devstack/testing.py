"""pytest fixtures for every test of the project: a real Postgres and a real Redis, clean for each test.

Tests use their own database (`uptick_test`, recreated and migrated once per run) and Redis logical
database 15 (flushed before each test), on the servers `make run` would use; UPTICK_TEST_DATABASE and
UPTICK_TEST_REDIS_DB choose others.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from uptick_common import tokens
from uptick_common.db.engine import create_engine
from uptick_common.db.migrate import upgrade
from uptick_devstack import infra
from uptick_devstack.mailsink import MailSink
from uptick_devstack.sinks import HttpSink

# Two test runs side by side (two checkouts, say) each need their own: set these to tell them apart.
TEST_DATABASE = os.environ.get("UPTICK_TEST_DATABASE", "uptick_test")
TEST_REDIS_DB = int(os.environ.get("UPTICK_TEST_REDIS_DB", "15"))
TABLES = ("region_silences",
          "delivery_attempts", "outbox", "incident_events", "incidents", "channels", "ticks", "rollups_minute",
          "rollups_hour", "rollups_day", "monitor_status", "monitors", "audit_log", "invitations",
          "api_tokens", "memberships", "organizations", "refresh_tokens", "auth_sessions", "users")


@pytest.fixture(scope="session")
def _servers() -> Iterator[tuple[str, str]]:
    pg_url, _ = infra.postgres_server_url()
    redis_server, _, embedded = infra.redis_server_url()
    yield pg_url, redis_server
    if embedded is not None:
        embedded.stop()


@pytest.fixture(scope="session")
def _migrated_database(_servers: tuple[str, str]) -> str:
    url = infra.with_database(_servers[0], TEST_DATABASE)
    infra.ensure_database(url, recreate=True)
    upgrade(url)
    return url


@pytest.fixture
def database_url(_migrated_database: str) -> str:
    """A migrated database with no rows in it."""
    with psycopg.connect(infra.libpq_url(_migrated_database), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    return _migrated_database


@pytest.fixture
def redis_url(_servers: tuple[str, str]) -> str:
    """A Redis logical database with no keys in it."""
    url = urlsplit(_servers[1])._replace(path=f"/{TEST_REDIS_DB}").geturl()
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture(scope="session")
def jwt_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(private key file, public key file) of a fresh Ed25519 pair."""
    folder = tmp_path_factory.mktemp("jwt")
    private, public = folder / "private.pem", folder / "public.pem"
    tokens.generate_keypair(private, public)
    return private, public


@pytest.fixture
def mail_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[MailSink]:
    """A real SMTP server on 127.0.0.1 that keeps what it receives; UPTICK_SMTP_* point at it."""
    sink = MailSink()
    sink.start()
    monkeypatch.setenv("UPTICK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("UPTICK_SMTP_PORT", str(sink.port))
    monkeypatch.setenv("UPTICK_SMTP_SECURITY", "none")
    yield sink
    sink.stop()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on the clean test database."""
    eng = create_engine(database_url, pool_size=4)
    yield eng
    await eng.dispose()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def http_sink() -> AsyncIterator[HttpSink]:
    """A local receiver of notifications (webhooks, chat services, PagerDuty, ntfy) that records each."""
    server = await HttpSink().start()
    yield server
    await server.stop()
