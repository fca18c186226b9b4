"""A real Prometheus (Debian's `prometheus` package) scraping the stack the end-to-end tests run.

The stack and the local target are the end-to-end tests' own fixtures (tests/e2e/conftest.py). A missing
prometheus binary skips the tests loudly, or fails them when CI is set, as in tests/deploy.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.deploy.conftest import missing_tool
from tests.e2e.conftest import *  # noqa: F403 - every end-to-end fixture (stack, its settings, target…)
from tests.e2e.helpers import Target
from uptick_devstack import prometheus as prometheus_config
from uptick_devstack.infra import free_port
from uptick_devstack.stack import Stack

STOP_GRACE_S = 15


@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    path = shutil.which("prometheus")
    if path is None:
        missing_tool("prometheus", "run scripts/install-test-tools.sh (Debian package prometheus)")
    return path


@pytest.fixture
async def failing_target() -> AsyncIterator[Target]:
    """A second local target that answers 500 to every check."""
    server = Target()
    server.mode = "error"
    await server.start()
    yield server
    await server.stop()


class Prometheus:
    """A Prometheus server process on a free port, and its HTTP API."""

    def __init__(self, binary: str, config_file: Path, data_dir: Path, log_file: Path) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.command = prometheus_config.command(config_file, data_dir, self.url.removeprefix("http://"), binary)
        self.log_file = log_file
        self.process: asyncio.subprocess.Process | None = None
        self.client = httpx.AsyncClient(base_url=self.url, timeout=10)

    async def start(self, timeout: float = 30) -> None:
        with self.log_file.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.command, stdout=log, stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.returncode is not None:
                raise RuntimeError(f"prometheus exited with code {self.process.returncode}:\n{self.log()}")
            try:
                if (await self.client.get("/-/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"prometheus was not ready within {timeout}s:\n{self.log()}")
            await asyncio.sleep(0.2)

    async def api(self, path: str, **params: Any) -> dict[str, Any]:
        """GET /api/v1/<path>: the whole answer ({"status", "data"} or {"status", "errorType", "error"})."""
        return (await self.client.get(f"/api/v1/{path}", params=params)).json()

    async def query(self, expr: str) -> dict[str, Any]:
        return await self.api("query", query=expr)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")[-5000:] if self.log_file.exists() else ""

    async def stop(self) -> None:
        await self.client.aclose()
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_GRACE_S)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@pytest.fixture
async def prometheus(stack: Stack, prometheus_bin: str, tmp_path: Path) -> AsyncIterator[Prometheus]:
    """Prometheus scraping every process of the running stack each second, with the chart's alert rules."""
    config_file = prometheus_config.write(stack.ports(), tmp_path / "prometheus" / "prometheus.yml",
                                          scrape_interval="1s")
    server = Prometheus(prometheus_bin, config_file, tmp_path / "prometheus" / "data",
                        tmp_path / "prometheus" / "prometheus.log")
    try:
        await server.start()
        yield server
    finally:
        await server.stop()
        print(f"prometheus log:\n{server.log()}")


@pytest.fixture(scope="session")
def promtool_bin() -> str:
    path = shutil.which("promtool")
    if path is None:
        missing_tool("promtool", "run scripts/install-test-tools.sh (Debian package prometheus)")
    return path
