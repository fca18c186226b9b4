"""End-to-end fixtures: the real services as separate processes, and a local target whose behaviour flips."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import FAST, PrivatePostgres, Target, running_stack
from uptick_devstack.infra import EmbeddedRedis
from uptick_devstack.stack import Stack


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    """Settings forced on every process of `stack`: a test module overrides this fixture to change them."""
    return FAST


@pytest.fixture
async def stack(database_url: str, redis_url: str, jwt_keys: tuple[Path, Path], tmp_path: Path,
                stack_overrides: dict[str, str]) -> AsyncIterator[Stack]:
    async with running_stack(database_url=database_url, redis_url=redis_url, jwt_keys=jwt_keys, folder=tmp_path,
                             overrides=stack_overrides) as running:
        yield running


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    server = Target()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A Postgres of the test's own, to stop and start (the machine's shared one is never touched)."""
    server = PrivatePostgres()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "valkey")
    server.start()
    try:
        yield server
    finally:
        server.stop()
