"""Real targets on 127.0.0.x that tests start and steer: aiohttp apps, raw TCP servers, a TLS server."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from cryptography import x509

from uptick_checker.http_check import HttpChecker
from uptick_common.netguard import parse_networks
from uptick_devstack.certs import CertAuthority

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """A TCP server that counts the connections it accepts and answers with `handler` (default: never)."""

    def __init__(self, handler: Handler | None) -> None:
        self.accepted = 0
        self._handler = handler or _never_answer
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.host, self.port = "", 0

    async def start(self, host: str) -> RawServer:
        self._server = await asyncio.start_server(self._serve, host, 0)
        self.host, self.port = self._server.sockets[0].getsockname()[:2]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.add(writer)
        try:
            await self._handler(reader, writer)
        except ConnectionError:
            pass
        finally:
            writer.close()
            self._writers.discard(writer)

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()
        await asyncio.sleep(0)


async def _never_answer(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
    await reader.read()  # until the client goes away


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """`await serve(app, host=…, ssl_context=…)` → the base URL of a running aiohttp app."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application, host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None) -> str:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, 0, ssl_context=ssl_context).start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"{'https' if ssl_context else 'http'}://{host}:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[..., Awaitable[RawServer]]]:
    """`await raw_server(handler, host=…)` → a running RawServer."""
    servers: list[RawServer] = []

    async def start(handler: Handler | None = None, host: str = "127.0.0.1") -> RawServer:
        server = await RawServer(handler).start(host)
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def open_checker() -> AsyncIterator[Callable[..., Awaitable[HttpChecker]]]:
    """`await open_checker(allowed="127.0.0.0/8", max_body_bytes=…)` → an HttpChecker closed after the test."""
    checkers: list[HttpChecker] = []

    async def open_(allowed: str = "127.0.0.0/8", max_body_bytes: int = 1 << 20) -> HttpChecker:
        checker = await HttpChecker.open(allowed_networks=parse_networks(allowed), max_body_bytes=max_body_bytes)
        checkers.append(checker)
        return checker

    yield open_
    for checker in checkers:
        await checker.close()


@pytest.fixture(scope="session")
def self_signed_tls(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server TLS context whose certificate (for 127.0.0.1) nobody trusts."""
    authority = CertAuthority(tmp_path_factory.mktemp("tls"))
    return authority.server_context(valid_days=1, self_signed=True,
                                    names=(x509.IPAddress(ipaddress.ip_address("127.0.0.1")),))


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CertAuthority:
    return CertAuthority(tmp_path_factory.mktemp("ca"))


@pytest.fixture
async def checker(ca: CertAuthority) -> AsyncIterator[HttpChecker]:
    """A checker that may reach loopback and trusts the test CA."""
    opened = await HttpChecker.open(allowed_networks=parse_networks("127.0.0.0/8"), ssl_context=ca.trust())
    yield opened
    await opened.close()
