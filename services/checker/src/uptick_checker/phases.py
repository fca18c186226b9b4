"""Where the time of a check goes: DNS lookup, TCP connect, TLS handshake, first byte, total.

The connector (connect.py) marks the lookup, the start of the TCP connect and the connection being
ready. Where the TCP connect ends and the TLS handshake begins, only the TLS context knows: its
`wrap_bio` makes the handshake's TLS object right after the TCP connect. It does not know which check
it serves, so each check's `Timeline` is found through a context variable, set by the task that runs
the check.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

from uptick_common.streams import Phases

_CURRENT: ContextVar[Timeline | None] = ContextVar("uptick_check_timeline", default=None)


class Timeline:
    """One check's clock. Phases are summed over the connections it makes (one per redirect hop)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
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

    def dns_ended(self) -> None:
        spent = 0.0 if self._dns_at is None else time.perf_counter() - self._dns_at
        self._dns = (self._dns or 0.0) + spent
        self._dns_at = None

    def socket_made(self) -> None:
        if self._socket_at is None:  # the first attempt of a connection (happy eyeballs may make more)
            self._socket_at = time.perf_counter()

    def tls_started(self) -> None:
        self._tls_at = time.perf_counter()

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
        return Phases.model_construct(dns_ms=_ms(self._dns), connect_ms=_ms(self._connect),  # ints: valid
                                      tls_ms=_ms(self._tls), ttfb_ms=_ms(self._ttfb))


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def timed_tls(context: ssl.SSLContext) -> ssl.SSLContext:
    """`context`, its TLS objects also marking on the running check's timeline when a handshake starts."""
    wrap_bio: Callable[..., ssl.SSLObject] = context.wrap_bio

    def timed_wrap_bio(*args: Any, **kwargs: Any) -> ssl.SSLObject:
        tls_object = wrap_bio(*args, **kwargs)
        if (timeline := _CURRENT.get()) is not None:
            timeline.tls_started()
        return tls_object

    context.wrap_bio = timed_wrap_bio  # type: ignore[method-assign]
    return context
