"""One HTTP(S) check of one URL: one deadline for all of it, a new connection, redirects followed by hand.

Redirects are followed here rather than by aiohttp so that every hop is validated before it is
requested: its scheme, and its host when that is an IP literal (aiohttp resolves names through
`GuardedResolver` but connects to literals directly). The connector's socket factory refuses any
disallowed address again, just before a socket would exist, so a refused address receives no packet.

A monitor's `CheckSpec` sets the request (method, headers, body, TLS verification, whether redirects are
followed) and what is up: the final status among `expected_status`, and every assertion holding. The
body is read once, within the size limit, and searched as it arrives (checks.BodyScan); it is kept only
when a JSON path must be read. A user's request headers are sent on redirects to the same host only.
`tcp` and `tls` monitors are checked by socket_check.py, through the same guard.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping, Sequence
from functools import lru_cache

import aiohttp
from aiohappyeyeballs import SocketFactoryType
from aiohttp.resolver import AsyncResolver
from yarl import URL

from uptick_checker import phases, wire
from uptick_checker.outcome import Outcome
from uptick_checker.phases import Timeline
from uptick_checker.reasons import CheckFailed, describe
from uptick_checker.socket_check import check_socket, days_left
from uptick_common import netguard
from uptick_common.checks import (
    DEFAULT_STATUS,
    BodyScan,
    CertExpiryAssertion,
    CheckSpec,
    HeaderAssertion,
    Observed,
    evaluate,
    first_failure,
    status_matches,
)

USER_AGENT = "Uptick/0.1 (uptime monitor)"
MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PLAIN_GET = CheckSpec()


class HttpChecker:
    """Checks URLs through one shared session; every check still opens a connection of its own."""

    def __init__(self, session: aiohttp.ClientSession, resolver: netguard.GuardedResolver, *,
                 allowed_networks: Sequence[netguard.IPNetwork], max_body_bytes: int,
                 sockets: SocketFactoryType, tls_contexts: dict[bool, ssl.SSLContext]) -> None:
        self._session = session
        self._resolver = resolver
        self._allowed = tuple(allowed_networks)
        self._max_body_bytes = max_body_bytes
        self._sockets = sockets
        self._tls = tls_contexts  # verify_tls → context

    @classmethod
    async def open(cls, *, allowed_networks: Sequence[netguard.IPNetwork] = (),
                   max_body_bytes: int = 1 << 20, ssl_context: ssl.SSLContext | None = None) -> HttpChecker:
        """`ssl_context`: the trust store to verify certificates with (default: the system's)."""
        allowed = tuple(allowed_networks)
        resolver = netguard.GuardedResolver(AsyncResolver(), allowed)  # c-ares: no thread per lookup
        sockets = phases.timed_sockets(netguard.socket_factory(allowed))
        tls_contexts = {True: phases.timed_tls(ssl_context or _tls_context(verify=True)),
                        False: phases.timed_tls(_tls_context(verify=False))}
        connector = aiohttp.TCPConnector(
            force_close=True,  # a fresh connection per check: what a visitor would go through
            limit=0,  # the worker's concurrency is the only bound
            resolver=resolver,
            socket_factory=sockets,
            ssl=tls_contexts[True],
        )
        wire.bound(connector, max_bytes=max_body_bytes + wire.HEAD_ALLOWANCE,  # no target makes us work for it
                   too_large=f"response body larger than {_size(max_body_bytes)}")
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(),  # no aiohttp timeouts: one deadline per check, set by check()
            cookie_jar=aiohttp.DummyCookieJar(),  # never share cookies between monitors
            headers={"User-Agent": USER_AGENT},
            trust_env=False,  # no proxy from the environment: connect where the guard looked
            trace_configs=[phases.trace_config()],
        )
        return cls(session, resolver, allowed_networks=allowed, max_body_bytes=max_body_bytes, sockets=sockets,
                   tls_contexts=tls_contexts)

    async def close(self) -> None:
        await self._session.close()
        await self._resolver.close()  # a resolver passed in is not closed by the connector

    async def check(self, url: str, timeout_seconds: float, spec: CheckSpec = _PLAIN_GET) -> Outcome:
        """Never raises for anything the target does: a failure is a `down` outcome with a reason."""
        if spec.type != "http":
            return await check_socket(url, timeout_seconds, spec, resolver=self._resolver, sockets=self._sockets,
                                      tls_contexts=self._tls)
        timeline = Timeline()
        token = timeline.track()
        deadline = asyncio.timeout(timeout_seconds)
        seen: Observed | None = None
        try:
            async with deadline:
                seen = await self._fetch(url, spec, timeline)
            error = _status_error(seen.status or 0, spec.expected_status)
        except Exception as exc:  # noqa: BLE001 - whatever the target did, it is a down result
            error = f"timeout after {timeout_seconds:g}s" if deadline.expired() else describe(exc)
        finally:
            timeline.untrack(token)
        latency_ms = timeline.elapsed_ms()
        results = None
        if seen is not None and spec.assertions:
            seen.latency_ms = latency_ms
            results = evaluate(spec.assertions, seen)
            error = error or first_failure(results)
        return Outcome("up" if error is None else "down", seen.status if seen else None, latency_ms, error,
                       timeline.phases(), results)

    async def _fetch(self, target: str, spec: CheckSpec, timeline: Timeline) -> Observed:
        """The final response after following redirects; every hop is validated before it is requested."""
        try:
            url = URL(target)
        except ValueError as exc:
            raise CheckFailed("invalid URL") from exc
        method, body, headers = spec.method, spec.body, spec.headers
        tls = True if spec.verify_tls else self._tls[False]  # True: the connector's verifying context
        jar: aiohttp.CookieJar | None = None  # cookies set during this check's redirects only
        for _hop in range(MAX_REDIRECTS + 1):
            self._validate(url)
            cookies = jar.filter_cookies(url) if jar is not None else None
            async with self._session.request(method, url, headers=headers, data=body, allow_redirects=False,
                                             cookies=cookies, ssl=tls, trace_request_ctx=timeline) as response:
                timeline.first_byte()
                redirected = spec.follow_redirects and response.status in _REDIRECTS
                location = response.headers.get("Location") if redirected else None
                if location is None:
                    return await self._observe(response, spec, timeline)
                if response.cookies:
                    jar = jar or aiohttp.CookieJar(unsafe=True)
                    jar.update_cookies(response.cookies, response.url)
            try:
                next_url = url.join(URL(location))
            except ValueError as exc:
                raise CheckFailed("invalid redirect location") from exc
            method, body = _redirected_request(response.status, method, body)
            headers = headers if next_url.host == url.host else {}  # a user's credentials stay with their host
            url = next_url
        raise CheckFailed("too many redirects")

    async def _observe(self, response: aiohttp.ClientResponse, spec: CheckSpec, timeline: Timeline) -> Observed:
        """What the assertions are judged on: status, headers, the body as it is read, the certificate."""
        cert_days: float | None = None
        if timeline.tls_object is not None and any(isinstance(a, CertExpiryAssertion) for a in spec.assertions):
            der = timeline.tls_object.getpeercert(binary_form=True)
            cert_days = days_left(der) if der else None
        scan = BodyScan(spec.assertions)
        if response.method != "HEAD":  # a HEAD answer's Content-Length describes a body never sent
            await self._read_body(response, scan)
        headers = _joined(response.headers) if any(isinstance(a, HeaderAssertion) for a in spec.assertions) else {}
        return Observed(latency_ms=0, status=response.status, headers=headers, body=scan, cert_days_left=cert_days)

    def _validate(self, url: URL) -> None:
        if url.scheme not in ("http", "https"):
            raise CheckFailed(f"unsupported URL scheme {url.scheme!r}" if url.scheme else "invalid URL")
        if not url.host:
            raise CheckFailed("invalid URL: no host")
        address = netguard.literal_address(url.host)
        if address is not None and (reason := netguard.is_allowed(address, self._allowed)):
            raise CheckFailed(reason)

    async def _read_body(self, response: aiohttp.ClientResponse, scan: BodyScan) -> None:
        """Read the body into `scan` (which keeps only what the assertions need): a slow one counts against
        the deadline; one longer than `max_body_bytes` (decompressed), or without end, is not read further
        and the check is down."""
        limit = self._max_body_bytes
        if response.content_length is not None and response.content_length > limit:
            raise CheckFailed(f"response body larger than {_size(limit)}")  # said up front: read none of it
        remaining = limit
        while chunk := await response.content.readany():
            remaining -= len(chunk)
            if remaining < 0:
                raise CheckFailed(f"response body larger than {_size(limit)}")
            scan.feed(chunk)


def _status_error(status: int, expected: Sequence[str]) -> str | None:
    if status_matches(status, expected):
        return None
    return f"HTTP {status}" if tuple(expected) == DEFAULT_STATUS else f"HTTP {status} (expected {', '.join(expected)})"


def _redirected_request(status: int, method: str, body: str | None) -> tuple[str, str | None]:
    """The method and body of the request a redirect leads to, as browsers do: 303 (and 301/302 after a
    POST) become a GET without a body; 307 and 308 repeat the request."""
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        return "GET", None
    return method, body


def _joined(headers: Mapping[str, str]) -> dict[str, str]:
    """Response headers by lower-case name, repeated ones joined with ", "."""
    joined: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    return joined


def _tls_context(*, verify: bool) -> ssl.SSLContext:
    """As aiohttp's own: the system's trust store, or no verification at all; HTTP/1.1 offered by ALPN."""
    if verify:
        context = ssl.create_default_context()
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context


def _size(count: int) -> str:
    for unit, shift in (("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift and count % (1 << shift) == 0:
            return f"{count >> shift} {unit}"
    return f"{count} bytes"


@lru_cache(maxsize=4096)  # pure, once per check for its log line, and a monitor's URL comes back every interval
def display_url(url: str) -> str:
    """scheme://host[:port]/path: what a log line may show (no credentials, no query, no fragment)."""
    try:
        return str(URL(url).with_user(None).with_query(None).with_fragment(None))
    except ValueError:
        return "(invalid URL)"
