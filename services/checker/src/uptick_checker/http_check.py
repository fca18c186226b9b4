"""One HTTP(S) check of one URL: one deadline for all of it, a new connection, redirects followed by hand.

Redirects are followed here rather than by aiohttp so that every hop is validated before it is
requested: its scheme, and its host when that is an IP literal (aiohttp resolves names through
`GuardedResolver` but connects to literals directly). The connector's socket factory refuses any
disallowed address again, just before a socket would exist, so a refused address receives no packet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import aiohttp
from aiohttp.resolver import AsyncResolver
from yarl import URL

from uptick_checker.reasons import CheckFailed, describe
from uptick_common import netguard

USER_AGENT = "Uptick/0.1 (uptime monitor)"
MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Outcome:
    status: Literal["up", "down"]
    http_status: int | None
    latency_ms: int
    error: str | None


class HttpChecker:
    """Checks URLs through one shared session; every check still opens a connection of its own."""

    def __init__(self, session: aiohttp.ClientSession, resolver: netguard.GuardedResolver, *,
                 allowed_networks: Sequence[netguard.IPNetwork], max_body_bytes: int) -> None:
        self._session = session
        self._resolver = resolver
        self._allowed = tuple(allowed_networks)
        self._max_body_bytes = max_body_bytes

    @classmethod
    async def open(cls, *, allowed_networks: Sequence[netguard.IPNetwork] = (),
                   max_body_bytes: int = 1 << 20) -> HttpChecker:
        allowed = tuple(allowed_networks)
        resolver = netguard.GuardedResolver(AsyncResolver(), allowed)  # c-ares: no thread per lookup
        connector = aiohttp.TCPConnector(
            force_close=True,  # a fresh connection per check: what a visitor would go through
            limit=0,  # the worker's concurrency is the only bound
            resolver=resolver,
            socket_factory=netguard.socket_factory(allowed),
        )
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(),  # no aiohttp timeouts: one deadline per check, set by check()
            cookie_jar=aiohttp.DummyCookieJar(),  # never share cookies between monitors
            headers={"User-Agent": USER_AGENT},
            trust_env=False,  # no proxy from the environment: connect where the guard looked
        )
        return cls(session, resolver, allowed_networks=allowed, max_body_bytes=max_body_bytes)

    async def close(self) -> None:
        await self._session.close()
        await self._resolver.close()  # a resolver passed in is not closed by the connector

    async def check(self, url: str, timeout_seconds: float) -> Outcome:
        """Never raises for anything the target does: a failure is a `down` outcome with a reason."""
        started = time.perf_counter()
        deadline = asyncio.timeout(timeout_seconds)
        http_status: int | None = None
        try:
            async with deadline:
                http_status = await self._fetch(url)
            error = None if http_status < 400 else f"HTTP {http_status}"
        except Exception as exc:  # noqa: BLE001 - whatever the target did, it is a down result
            error = f"timeout after {timeout_seconds:g}s" if deadline.expired() else describe(exc)
        latency_ms = round((time.perf_counter() - started) * 1000)
        return Outcome("up" if error is None else "down", http_status, latency_ms, error)

    async def _fetch(self, target: str) -> int:
        """The final status after following redirects; every hop is validated before it is requested."""
        try:
            url = URL(target)
        except ValueError as exc:
            raise CheckFailed("invalid URL") from exc
        jar: aiohttp.CookieJar | None = None  # cookies set during this check's redirects only
        for _hop in range(MAX_REDIRECTS + 1):
            self._validate(url)
            cookies = jar.filter_cookies(url) if jar is not None else None
            async with self._session.get(url, allow_redirects=False, cookies=cookies) as response:
                location = response.headers.get("Location") if response.status in _REDIRECTS else None
                if location is None:
                    await self._read_body(response)
                    return response.status
                if response.cookies:
                    jar = jar or aiohttp.CookieJar(unsafe=True)
                    jar.update_cookies(response.cookies, response.url)
            try:
                url = url.join(URL(location))
            except ValueError as exc:
                raise CheckFailed("invalid redirect location") from exc
        raise CheckFailed("too many redirects")

    def _validate(self, url: URL) -> None:
        if url.scheme not in ("http", "https"):
            raise CheckFailed(f"unsupported URL scheme {url.scheme!r}" if url.scheme else "invalid URL")
        if not url.host:
            raise CheckFailed("invalid URL: no host")
        address = netguard.literal_address(url.host)
        if address is not None and (reason := netguard.is_allowed(address, self._allowed)):
            raise CheckFailed(reason)

    async def _read_body(self, response: aiohttp.ClientResponse) -> None:
        """Read (and drop) at most `max_body_bytes`: a slow body counts against the deadline, a huge one
        is cut short."""
        remaining = self._max_body_bytes
        while remaining > 0:
            chunk = await response.content.readany()
            if not chunk:
                return
            remaining -= len(chunk)


def display_url(url: str) -> str:
    """scheme://host[:port]/path: what a log line may show (no credentials, no query, no fragment)."""
    try:
        return str(URL(url).with_user(None).with_query(None).with_fragment(None))
    except ValueError:
        return "(invalid URL)"
