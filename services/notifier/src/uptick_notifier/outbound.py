"""Every request the notifier makes to a receiver: HTTP through httpx, e-mail through aiosmtplib, both under
the checker's target-safety rules (uptick_common.netguard) and a deadline per attempt.

The guard sits where the address is chosen: the receiver's name is resolved here, addresses that are not
allowed are dropped, and the connection is made to an allowed address only (TLS still verifies the name).
Redirects are not followed and proxies from the environment are not used: either would reach an address
that was never checked.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpcore
import httpx

from uptick_common import netguard
from uptick_common.channels.base import Answer, HttpRequest, SmtpServer, http_answer
from uptick_common.netguard import IPNetwork, TargetRefused, literal_address

ANSWER_BYTES = 2000  # how much of a receiver's answer is kept (shown by the API)
USER_AGENT = "Uptick-Notifier/1"


async def allowed_addresses(host: str, port: int, allowed: Sequence[IPNetwork]) -> list[str]:
    """The addresses of `host` that may be reached, in resolver order; TargetRefused if there are none."""
    literal = literal_address(host)
    if literal is not None:
        candidates = [str(literal)]
    else:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        candidates = list(dict.fromkeys(str(info[4][0]) for info in infos))
    return netguard.allowed_addresses(host, candidates, allowed)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to allowed addresses of a host."""

    def __init__(self, allowed: Sequence[IPNetwork]) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allowed = tuple(allowed)

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        error: Exception | None = None
        for address in await allowed_addresses(host, port, self._allowed):
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(self, *_: Any, **__: Any) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(allowed: Sequence[IPNetwork]) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx takes no network backend of its own; its pool (httpcore's) does. Replacing the pool keeps httpx's
    # request and error mapping; the target-safety tests fail if a new httpx stops using it.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl.create_default_context(), network_backend=GuardedBackend(allowed),
        max_connections=100, keepalive_expiry=30,
    )
    return transport


class Outbound:
    """The `uptick_common.channels.base.Outbound` of the notifier."""

    def __init__(self, allowed: Sequence[IPNetwork], timeout: float, ssl_context: ssl.SSLContext | None = None) -> None:
        self._allowed = tuple(allowed)
        self._timeout = timeout
        self._ssl = ssl_context or ssl.create_default_context()
        self._http = httpx.AsyncClient(transport=guarded_transport(allowed), trust_env=False, follow_redirects=False,
                                       timeout=timeout, headers={"user-agent": USER_AGENT})

    async def post(self, request: HttpRequest) -> Answer:
        try:
            async with asyncio.timeout(self._timeout):
                async with self._http.stream(request.method, request.url, json=request.json, content=request.body,
                                             headers=request.headers) as response:
                    body = await _start_of(response)
                    return http_answer(response.status_code, body)
        except TargetRefused as exc:
            return Answer(False, detail=str(exc))
        except TimeoutError:
            return Answer(False, detail=f"no answer within {self._timeout:g}s", retryable=True)
        except (httpx.TransportError, OSError) as exc:
            return Answer(False, detail=_error(exc), retryable=True)
        except httpx.InvalidURL as exc:
            return Answer(False, detail=f"invalid URL: {exc}")

    async def mail(self, server: SmtpServer, message: EmailMessage) -> Answer:
        try:
            async with asyncio.timeout(self._timeout):
                sock = await self._connect(server.host, server.port)
                errors, reply = await aiosmtplib.send(
                    message, sock=sock, hostname=server.host, port=None, username=server.username,
                    password=server.password, use_tls=server.security == "tls",
                    start_tls=server.security == "starttls", tls_context=self._ssl, timeout=self._timeout,
                )
        except TargetRefused as exc:
            return Answer(False, detail=str(exc))
        except TimeoutError:
            return Answer(False, detail=f"no answer within {self._timeout:g}s", retryable=True)
        except aiosmtplib.SMTPResponseException as exc:  # the server said no: 4xx may pass later, 5xx will not
            return Answer(False, exc.code, f"{exc.code} {exc.message}"[:ANSWER_BYTES], retryable=exc.code < 500)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return Answer(False, detail=_error(exc), retryable=True)
        refused = ", ".join(f"{rcpt}: {r.code} {r.message}" for rcpt, r in errors.items())
        return Answer(True, 250, (reply + (f"; refused {refused}" if refused else ""))[:ANSWER_BYTES])

    async def _connect(self, host: str, port: int) -> socket.socket:
        """A connected socket to an allowed address of `host` (aiosmtplib then speaks SMTP over it)."""
        loop = asyncio.get_running_loop()
        error: OSError | None = None
        for address in await allowed_addresses(host, port, self._allowed):
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setblocking(False)
            try:
                await loop.sock_connect(sock, (address, port))
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        assert error is not None
        raise error

    async def aclose(self) -> None:
        await self._http.aclose()


async def _start_of(response: httpx.Response) -> str:
    """The first ANSWER_BYTES of the answer: a receiver sending gigabytes is not read further."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= ANSWER_BYTES:
            break
    return b"".join(chunks)[:ANSWER_BYTES].decode(errors="replace")


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ANSWER_BYTES] if str(exc) else type(exc).__name__


def elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
