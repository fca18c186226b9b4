"""One HTTP(S) check of one URL: one deadline for all of it, a new connection, redirects followed by hand.

Each request is one connection of its own (connect.py, through the target guard) read by aiohttp's
response protocol (its llhttp parser, decompression and body stream; wire.py bounds what it may
receive). aiohttp's `ClientSession` and connector are not used: they cost several times the rest of a
check (connection pooling, tracing, a request object per hop) for features a check never uses.

Redirects are followed here, every hop validated before it is requested (its scheme and host); the
connector refuses a disallowed address, an IP literal or what a name resolves to, before a socket
exists, so a refused address receives no packet.

A monitor's `CheckSpec` sets the request (method, headers, body, TLS verification, whether redirects are
followed) and what is up: the final status among `expected_status`, and every assertion holding. The
body is read once, within the size limit, and searched as it arrives (checks.body.BodyScan); it is kept only
when a JSON path must be read. A user's request headers are sent on redirects to the same origin only.
`tcp` and `tls` monitors are checked by socket_check.py, through the same connector.
"""

from __future__ import annotations

import ssl
from base64 import b64encode
from collections.abc import Mapping, Sequence
from functools import partial
from http.cookies import CookieError, SimpleCookie
from typing import cast

import aiohttp
from aiohttp.client_proto import ResponseHandler
from aiohttp.http_parser import RawResponseMessage
from aiohttp.resolver import AsyncResolver
from aiohttp.streams import StreamReader
from yarl import URL

from uptick_checker import phases
from uptick_checker.connect import Connector
from uptick_checker.outcome import Outcome, judge
from uptick_checker.phases import Timeline
from uptick_checker.reasons import BodyFailed, CheckFailed, describe
from uptick_checker.socket_check import check_socket, days_left
from uptick_checker.urls import parsed_url, redirect_target
from uptick_checker.wire import HEAD_ALLOWANCE, BoundedResponseHandler
from uptick_common import netguard
from uptick_common.checks import CheckSpec
from uptick_common.checks.assertions import CertExpiryAssertion, HeaderAssertion
from uptick_common.checks.body import BodyScan
from uptick_common.checks.codes import DEFAULT_STATUS, status_matches
from uptick_common.checks.judging import Observed

USER_AGENT = "Uptick/0.1 (uptime monitor)"
MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PLAIN_GET = CheckSpec()
_DEFAULT_PORTS = {"http": 80, "https": 443}
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})  # a request without a body says so: Content-Length: 0


class HttpChecker:
    """Checks URLs; every check opens connections of its own, and nothing is shared between checks."""

    def __init__(self, connector: Connector, *, max_body_bytes: int, tls_contexts: dict[bool, ssl.SSLContext]) -> None:
        self._connector = connector
        self._max_body_bytes = max_body_bytes
        self._tls = tls_contexts  # verify_tls → context
        self._handler = partial(BoundedResponseHandler, max_bytes=max_body_bytes + HEAD_ALLOWANCE,
                                too_large=f"response body larger than {_size(max_body_bytes)}")

    @classmethod
    async def open(cls, *, allowed_networks: Sequence[netguard.IPNetwork] = (),
                   max_body_bytes: int = 1 << 20, ssl_context: ssl.SSLContext | None = None) -> HttpChecker:
        """`ssl_context`: the trust store to verify certificates with (default: the system's)."""
        allowed = tuple(allowed_networks)
        resolver = netguard.GuardedResolver(AsyncResolver(), allowed)  # c-ares: no thread per lookup
        tls_contexts = {True: phases.timed_tls(ssl_context or _tls_context(verify=True)),
                        False: phases.timed_tls(_tls_context(verify=False))}
        return cls(Connector(resolver, allowed), max_body_bytes=max_body_bytes, tls_contexts=tls_contexts)

    async def close(self) -> None:
        await self._connector.close()

    async def check(self, url: str, timeout_seconds: float, spec: CheckSpec = _PLAIN_GET) -> Outcome:
        """Never raises for anything the target does: a failure is a `down` outcome with a reason."""
        if spec.type != "http":
            return await check_socket(url, timeout_seconds, spec, connector=self._connector, tls_contexts=self._tls)
        return await judge(partial(self._fetch, url, spec), timeout_seconds, spec.assertions,
                           partial(_status_error, expected=cast(list[str], spec.expected_status)))  # made text

    async def _fetch(self, target: str, spec: CheckSpec, timeline: Timeline) -> Observed:
        """The final response after following redirects; every hop is validated before it is requested."""
        url = parsed_url(target)
        method: str = spec.method
        body, headers = spec.body, spec.headers
        jar: aiohttp.CookieJar | None = None  # cookies set during this check's redirects only
        for _hop in range(MAX_REDIRECTS + 1):
            self._validate(url)
            cookie = _cookie_header(jar, url)
            handler = await self._connect(url, spec.verify_tls, timeline)
            try:
                handler.transport.write(_request(method, url, headers, body, cookie))  # type: ignore[union-attr]
                message, payload = await _response(handler)
                timeline.first_byte()
                redirected = spec.follow_redirects and message.code in _REDIRECTS
                location = message.headers.get("Location") if redirected else None
                if location is None:
                    return await self._observe(handler, message, payload, method, spec)
                jar = _keep_cookies(jar, message, url)
            finally:
                handler.close()
            next_url = redirect_target(url, location)
            method, body = _redirected_request(message.code, method, body)
            # A user's headers (credentials) go only where they were meant for: the same origin, scheme and
            # port included (never to another service on the host, never down from https to http).
            headers = headers if next_url.origin() == url.origin() else {}
            url = next_url
        raise CheckFailed("too many redirects")

    async def _connect(self, url: URL, verify_tls: bool, timeline: Timeline) -> ResponseHandler:
        tls = self._tls[verify_tls] if url.scheme == "https" else None
        port = url.port or _DEFAULT_PORTS[url.scheme]
        _, handler = await self._connector.open(url.raw_host or "", port, self._handler, timeline, tls=tls)
        return handler

    async def _observe(self, handler: ResponseHandler, message: RawResponseMessage, payload: StreamReader,
                       method: str, spec: CheckSpec) -> Observed:
        """What the assertions are judged on: status, headers, the body as it is read, the certificate."""
        cert_days: float | None = None
        if any(isinstance(a, CertExpiryAssertion) for a in spec.assertions):
            tls_object = handler.transport.get_extra_info("ssl_object") if handler.transport else None
            der = tls_object.getpeercert(binary_form=True) if tls_object is not None else None
            cert_days = days_left(der) if der else None
        scan = BodyScan(spec.assertions)
        if method != "HEAD":  # a HEAD answer's Content-Length describes a body never sent
            try:
                await self._read_body(message, payload, scan)
            except Exception as exc:  # the status is known: the user sees it beside the reason
                raise BodyFailed(describe(exc), message.code) from exc
        headers = _joined(message.headers) if any(isinstance(a, HeaderAssertion) for a in spec.assertions) else {}
        return Observed(latency_ms=0, status=message.code, headers=headers, body=scan, cert_days_left=cert_days)

    def _validate(self, url: URL) -> None:
        if url.scheme not in _DEFAULT_PORTS:
            raise CheckFailed(f"unsupported URL scheme {url.scheme!r}" if url.scheme else "invalid URL")
        if not url.raw_host:
            raise CheckFailed("invalid URL: no host")

    async def _read_body(self, message: RawResponseMessage, payload: StreamReader, scan: BodyScan) -> None:
        """Read the body into `scan` (which keeps only what the assertions need): a slow one counts against
        the deadline; one longer than `max_body_bytes` (decompressed), or without end, is not read further
        and the check is down."""
        limit = self._max_body_bytes
        length = message.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise CheckFailed(f"response body larger than {_size(limit)}")  # said up front: read none of it
        remaining = limit
        while chunk := await payload.readany():
            remaining -= len(chunk)
            if remaining < 0:
                raise CheckFailed(f"response body larger than {_size(limit)}")
            scan.feed(chunk)


def _request(method: str, url: URL, headers: Mapping[str, str], body: str | None, cookie: str | None) -> bytes:
    """The request's bytes, as aiohttp's client would send them, always with `Connection: close`."""
    given = {name.lower() for name in headers}
    lines = [f"{method} {url.raw_path_qs or '/'} HTTP/1.1"]
    defaults = (("Host", url.host_port_subcomponent), ("User-Agent", USER_AGENT), ("Accept", "*/*"),
                ("Accept-Encoding", "gzip, deflate"))
    lines += [f"{name}: {value}" for name, value in defaults if name.lower() not in given]
    if url.raw_user is not None and "authorization" not in given:  # http://user:password@host/: Basic
        credentials = f"{url.user or ''}:{url.password or ''}".encode()
        lines.append(f"Authorization: Basic {b64encode(credentials).decode()}")
    if cookie:
        lines.append(f"Cookie: {cookie}")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    encoded = body.encode() if body is not None else None
    if encoded is not None and "content-type" not in given:
        lines.append("Content-Type: text/plain; charset=utf-8")
    if encoded is not None or method in _WITH_BODY:
        lines.append(f"Content-Length: {len(encoded or b'')}")
    lines.append("Connection: close")
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + (encoded or b"")


async def _response(handler: ResponseHandler) -> tuple[RawResponseMessage, StreamReader]:
    """The final response head and its body stream: interim (1xx) answers are skipped (wire.py bounds
    how many), 101 excepted, which is final."""
    handler.set_response_params(read_until_eof=True)  # as aiohttp's client: no length → until the close
    while True:
        message, payload = await handler.read()
        if not (100 <= message.code < 200) or message.code == 101:
            return message, payload


def _cookie_header(jar: aiohttp.CookieJar | None, url: URL) -> str | None:
    if jar is None:
        return None
    cookies = jar.filter_cookies(url)
    return "; ".join(f"{morsel.key}={morsel.coded_value}" for morsel in cookies.values()) or None


def _keep_cookies(jar: aiohttp.CookieJar | None, message: RawResponseMessage, url: URL) -> aiohttp.CookieJar | None:
    """Cookies set by a redirect, kept for the next hops of this check only."""
    cookies: SimpleCookie = SimpleCookie()
    for header in message.headers.getall("Set-Cookie", ()):
        try:
            cookies.load(header)
        except CookieError:
            continue  # as a browser: a malformed cookie is ignored
    if not cookies:
        return jar
    jar = jar or aiohttp.CookieJar(unsafe=True)
    jar.update_cookies(cookies, url)
    return jar


def _status_error(seen: Observed, expected: Sequence[str]) -> str | None:
    status = seen.status or 0
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
