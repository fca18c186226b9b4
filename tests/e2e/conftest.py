"""End-to-end fixtures: the real services as separate processes, and a local target whose behaviour flips."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.helpers import FAST, Logs, Target
from uptick_devstack.infra import free_port
from uptick_devstack.stack import Stack, StackConfig


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    """Settings forced on every process of `stack`: a test module overrides this fixture to change them."""
    return FAST


@pytest.fixture
async def stack(database_url: str, redis_url: str, jwt_keys: tuple[Path, Path], tmp_path: Path,
                stack_overrides: dict[str, str]) -> AsyncIterator[Stack]:
    keys = tmp_path / "keys"
    keys.mkdir()
    shutil.copy(jwt_keys[0], keys / "jwt-private.pem")
    shutil.copy(jwt_keys[1], keys / "jwt-public.pem")
    logs = Logs()
    running = Stack(StackConfig(database_url=database_url, redis_url=redis_url, keys_dir=keys,
                                router_port=free_port(), overrides=stack_overrides), logs)
    running.logs = logs  # type: ignore[attr-defined]
    try:
        await running.start()
        yield running
    finally:
        await running.stop()
        print(logs.text()[-30000:])  # pytest shows captured output only when the test failed


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    server = Target()
    await server.start()
    yield server
    await server.stop()
