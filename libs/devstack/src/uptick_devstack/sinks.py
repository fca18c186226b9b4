"""A receiver of notifications for tests: an HTTP server on 127.0.0.1, in the test's event loop, that records
every request (webhooks, chat services, PagerDuty, ntfy all post to it); a test flips what it answers.
E-mail goes to `uptick_devstack.mailsink.MailSink`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from uptick_devstack.infra import free_port


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class HttpSink:
    """Records each POST as it arrives; answers `status` with `answer` (a test sets them) `delay` seconds later."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.status, self.answer, self.delay = 200, "ok", 0.0
        self._runner: web.AppRunner | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(Received(request.path, dict(request.query), dict(request.headers), body))
        if self.delay:  # received, but the answer is late: the sender may time out (or die) meanwhile
            await asyncio.sleep(self.delay)
        return web.Response(status=self.status, text=self.answer)

    async def start(self) -> HttpSink:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
