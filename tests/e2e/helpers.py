"""Helpers of the end-to-end tests: a flippable local target, log capture, polling until something holds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from aiohttp import web

from uptick_devstack.infra import free_port

# Short timings so that a dead consumer's work is reclaimed within a test.
FAST = {
    "UPTICK_CLAIM_IDLE_MS": "3000",
    "UPTICK_STREAM_RETENTION_SECONDS": "0",  # keep every job: the streams are the tests' ledger
    "UPTICK_MAX_TIMEOUT_SECONDS": "2",
    "UPTICK_TICK_SECONDS": "0.2",
    "UPTICK_SHUTDOWN_GRACE_SECONDS": "5",
    "UPTICK_LOG_FORMAT": "json",
    "UPTICK_ENV": "test",
}


class Logs:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __call__(self, service: str, line: str) -> None:
        self.lines.append((service, line))

    def text(self) -> str:
        return "\n".join(f"{s} | {line}" for s, line in self.lines)


class Target:
    """A local HTTP server for the checker to check: `ok` (200), `error` (500), or not listening at all."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "ok"
        self.hits = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    async def _handle(self, _: web.Request) -> web.Response:
        self.hits += 1
        if self.mode == "error":
            return web.Response(status=500, text="broken")
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/health", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def eventually(probe: Callable[[], Awaitable[Any]], *, timeout: float = 40, every: float = 0.5) -> Any:
    """Poll until `probe` returns something truthy; fail with its last answer after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"not reached within {timeout}s; last answer: {last!r}")


async def sign_up_and_log_in(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    assert (await client.post("/api/auth/signup", json={"email": email, "password": password})).status_code == 201
    login = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}
