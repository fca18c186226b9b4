"""Where the time of a check goes: DNS lookup, TCP connect, TLS handshake, first byte, total.

aiohttp's trace signals (a `TraceConfig`) tell when a name lookup starts and ends and when a connection
is ready, but not where the TCP connect ends and the TLS handshake begins. Two hooks tell that: the
connector's socket factory (a TCP connect starts when its socket is made) and the TLS context's
`wrap_bio` (a handshake starts when its TLS object is made, right after the TCP connect). Neither hook
knows which check it serves, so each check's `Timeline` is found through a context variable, set by the
task that runs the check. The TLS object is kept too: it holds the peer's certificate.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohappyeyeballs import AddrInfoType, SocketFactoryType

from uptick_common.streams import Phases

_CURRENT: ContextVar[Timeline | None] = ContextVar("uptick_check_timeline", default=None)


class Timeline:
    """One check's clock. Phases are summed over the connections it makes (one per redirect hop)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.tls_object: ssl.SSLObject | None = None  # of the latest connection
        self._dns: float | None = None  # seconds spent, None while it has not happened
        self._connect: float | None = None
        self._tls: float | None = None
        self._ttfb: float | None = None
        self._dns_at: float | None = None  # when the phase under way started
        self._socket_at: float | None = None
        self._tls_at: float | None = None

    def track(self) -> Token[Timeline | None]:
        """Make this the timeline of the running task (undo with `untrack`)."""
        return _CURRENT.set(self)

    @staticmethod
    def untrack(token: Token[Timeline | None]) -> None:
        _CURRENT.reset(token)

    def dns_started(self) -> None:
        self._dns_at = time.perf_counter()

    def dns_ended(self, *, cached: bool = False) -> None:
        spent = 0.0 if cached or self._dns_at is None else time.perf_counter() - self._dns_at
        self._dns = (self._dns or 0.0) + spent
        self._dns_at = None

    def socket_made(self) -> None:
        if self._socket_at is None:  # the first attempt of a connection (happy eyeballs may make more)
            self._socket_at = time.perf_counter()
            self.tls_object = None

    def tls_started(self, tls_object: ssl.SSLObject) -> None:
        self._tls_at, self.tls_object = time.perf_counter(), tls_object

    def connected(self) -> None:
        """The connection is ready (after its TLS handshake, if any)."""
        now = time.perf_counter()
        if self._socket_at is None:
            return
        tcp_end = self._tls_at or now
        self._connect = (self._connect or 0.0) + (tcp_end - self._socket_at)
        if self._tls_at is not None:
            self._tls = (self._tls or 0.0) + (now - self._tls_at)
        self._socket_at = self._tls_at = None

    def first_byte(self) -> None:
        self._ttfb = time.perf_counter() - self.started

    def elapsed_ms(self) -> int:
        return round((time.perf_counter() - self.started) * 1000)

    def phases(self) -> Phases:
        return Phases(dns_ms=_ms(self._dns), connect_ms=_ms(self._connect), tls_ms=_ms(self._tls),
                      ttfb_ms=_ms(self._ttfb))


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def timed_sockets(make: SocketFactoryType) -> SocketFactoryType:
    """A socket factory that also marks, on the running check's timeline, when its TCP connect starts."""

    def create(addr_info: AddrInfoType) -> Any:
        sock = make(addr_info)
        if (timeline := _CURRENT.get()) is not None:
            timeline.socket_made()
        return sock

    return create


def timed_tls(context: ssl.SSLContext) -> ssl.SSLContext:
    """`context`, its TLS objects also marking on the running check's timeline when a handshake starts."""
    wrap_bio: Callable[..., ssl.SSLObject] = context.wrap_bio

    def timed_wrap_bio(*args: Any, **kwargs: Any) -> ssl.SSLObject:
        tls_object = wrap_bio(*args, **kwargs)
        if (timeline := _CURRENT.get()) is not None:
            timeline.tls_started(tls_object)
        return tls_object

    context.wrap_bio = timed_wrap_bio  # type: ignore[method-assign]
    return context


def trace_config() -> aiohttp.TraceConfig:
    """DNS and connection-ready signals onto the `Timeline` passed as a request's `trace_request_ctx`."""
    config = aiohttp.TraceConfig()
    config.on_dns_resolvehost_start.append(_signal(Timeline.dns_started))
    config.on_dns_resolvehost_end.append(_signal(Timeline.dns_ended))
    config.on_dns_cache_hit.append(_signal(lambda timeline: timeline.dns_ended(cached=True)))
    config.on_connection_create_end.append(_signal(Timeline.connected))
    return config


def _signal(action: Callable[[Timeline], None]) -> Callable[..., Awaitable[None]]:
    async def handler(_: aiohttp.ClientSession, ctx: SimpleNamespace, __: object) -> None:
        if isinstance(ctx.trace_request_ctx, Timeline):
            action(ctx.trace_request_ctx)

    return handler
