"""What one connection of a check may receive, so that no target can make the checker work for it.

Two targets found by the zoo (services/checker/tests/zoo.py) cost the checker a CPU core for the whole
timeout otherwise, and more than the timeout: a stream of interim (1xx) responses, which aiohttp parses
and queues without bound (its reader never yields while the queue is full, so the deadline fires late),
and a body in one-byte chunks, each a Python call (2 s of CPU to decode 1 MiB). So a connection is cut:

- after `MAX_INTERIM` interim responses (a real server sends one or two: 100 Continue, 103 Early Hints);
- once it has received more bytes than the body limit plus `HEAD_ALLOWANCE`, framing included.

Every connection of an HTTP check is read by a `BoundedResponseHandler`: aiohttp's response protocol
(its llhttp parser, decompression and body stream) with these two bounds.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.client_proto import ResponseHandler

from uptick_checker.reasons import CheckFailed

MAX_INTERIM = 20
HEAD_ALLOWANCE = 64 * 1024  # the response head (its headers), on top of the body limit


class ResponseRefused(CheckFailed):
    """The connection sent more than a check reads; str() is the reason."""


class BoundedResponseHandler(ResponseHandler):
    def __init__(self, *, max_bytes: int, too_large: str) -> None:
        super().__init__(asyncio.get_running_loop())
        self._left = max_bytes
        self._too_large = too_large
        self._interim = 0
        self._refused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not aiohttp's, which sets TCP_NODELAY first: a system call per check for a request sent in one write.
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        self._left -= len(data)
        if self._left < 0:
            self._refuse(self._too_large)
            return
        super().data_received(data)

    def feed_data(self, data: Any, size: int = 0) -> None:
        """Called once per parsed response head, interim ones included."""
        if self._refused:
            return
        code = getattr(data[0], "code", 0)
        if 100 <= code < 200 and code != 101:
            self._interim += 1
            if self._interim > MAX_INTERIM:
                self._refuse("invalid HTTP response: too many interim (1xx) responses")
                return
        super().feed_data(data, size)

    def _refuse(self, reason: str) -> None:
        """Fail whoever reads (the response head or its body) with `reason`, and hang up."""
        self._refused = True
        error = ResponseRefused(reason)
        payload, self._payload = self._payload, None  # so that closing does not overwrite the reason
        if payload is not None and payload.exception() is None:
            payload.set_exception(error)
        self.set_exception(error)
        if self.transport is not None:
            self.transport.close()
