"""A zoo of hostile targets on 127.0.0.1: every way a server can misbehave that a checker must survive.

`await Zoo().start()` runs one small asyncio server per behaviour and `zoo.urls[name]` is the URL that
shows it. Used by the checker's tests (test_hostile_targets.py, test_worker_hostile.py) and by the bench
(`python -m bench --sections hostile`), so it needs only asyncio and `cryptography`, not pytest.
TLS servers present certificates issued by a CA made here (`zoo.tls`, a `CertAuthority`): a client that
trusts it (`zoo.tls.trust()`) sees only the fault each server was made with.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import ssl
import struct
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from cryptography import x509

from uptick_devstack.certs import CertAuthority

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok"
HUGE_BODY_BYTES = 50_000_000
# c-ares answers "not found" for .onion itself (RFC 7686), without asking a server: the same with no network
UNRESOLVABLE_HOST = "zoo.uptick.onion"


async def _request(reader: asyncio.StreamReader) -> str:
    """Read one request's head; its path."""
    head = await reader.readuntil(b"\r\n\r\n")
    return head.split(b" ", 2)[1].decode("latin-1")


async def ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _request(reader)
    writer.write(OK)
    await writer.drain()


async def silent(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
    await reader.read()  # accepts, reads, never answers


def _trickle(head: bytes, byte: bytes, every_s: float) -> Handler:
    """A server that writes `head`, then `byte` every `every_s` seconds, forever."""

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(head)
        while True:
            writer.write(byte)
            await writer.drain()
            await asyncio.sleep(every_s)

    return trickle


slow_headers = _trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"z", 0.2)  # a header that never ends
slow_body = _trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", b"x", 1)  # a byte a second


async def endless_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    while True:  # as fast as the client reads, forever
        writer.write(chunk)
        await writer.drain()


async def tiny_chunks(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A body in one-byte chunks, forever: six bytes on the wire and one decoding step per byte."""
    await _request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    many = b"1\r\nx\r\n" * 10_000
    while True:
        writer.write(many)
        await writer.drain()


async def huge_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % HUGE_BODY_BYTES)
    block = b"x" * 65536
    for _ in range(HUGE_BODY_BYTES // len(block)):
        writer.write(block)
        await writer.drain()


_BOMB: list[bytes] = []  # made once, when the first zoo starts


async def gzip_bomb(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """16 MiB of zeros in 16 KB of gzip: small on the wire, huge once decompressed."""
    await _request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(_BOMB[0]))
    writer.write(_BOMB[0])
    await writer.drain()


async def redirect_loop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    path = await _request(reader)
    writer.write(b"HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n" % path.encode())
    await writer.drain()


async def redirect_chain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """/hop/1 → /hop/2 → …: every hop a new URL, never an end."""
    path = await _request(reader)
    hop = int(path.rsplit("/", 1)[1]) if path.startswith("/hop/") else 0
    writer.write(b"HTTP/1.1 301 Moved Permanently\r\nLocation: /hop/%d\r\nContent-Length: 0\r\n\r\n" % (hop + 1))
    await writer.drain()


def _redirect_to(location: bytes) -> Handler:
    async def redirect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(b"HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n" % location)
        await writer.drain()

    return redirect


async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read the request, then abort the connection: SO_LINGER 0 makes close() send a RST."""
    await _request(reader)
    _abort(writer)


async def reset_on_accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _reply(raw: bytes) -> Handler:
    """A server that reads the request, writes these bytes and hangs up."""

    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(raw)
        await writer.drain()

    return reply


garbage = _reply(b"220 smtp.example ESMTP ready, not HTTP\r\n\r\n")
close_mid_headers = _reply(b"HTTP/1.1 200 OK\r\nContent-Type: te")
close_mid_body = _reply(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly ten b")
bad_chunks = _reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz-not-a-size\r\nhello\r\n0\r\n\r\n")


async def endless_headers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\n")
    n = 0
    while True:  # short header lines, as fast as the client reads
        writer.write(b"".join(b"X-Header-%d: v\r\n" % (n + i) for i in range(100)))
        n += 100
        await writer.drain()


async def long_header_line(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nX-Long: ")
    while True:  # one header line without end
        writer.write(b"y" * 65536)
        await writer.drain()


async def plain_http_only(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Whatever arrives (a TLS ClientHello, say), the answer is a plain-text 400, as nginx would give."""
    await reader.read(1)
    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()


async def endless_interim(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """1xx interim responses, as fast as the client reads, never the final one."""
    await _request(reader)
    many = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" * 200
    while True:
        writer.write(many)
        await writer.drain()


# name → handler, for plain TCP servers; the URL of each is http://127.0.0.1:<port>/
PLAIN: dict[str, Handler] = {
    "silent": silent,
    "slow_headers": slow_headers,
    "slow_body": slow_body,
    "endless_body": endless_body,
    "tiny_chunks": tiny_chunks,
    "huge_body": huge_body,
    "gzip_bomb": gzip_bomb,
    "redirect_loop": redirect_loop,
    "redirect_chain": redirect_chain,
    "redirect_to_bad_location": _redirect_to(b"http://[::1"),
    "redirect_to_ftp": _redirect_to(b"ftp://127.0.0.1/file"),
    "reset": reset,
    "reset_on_accept": reset_on_accept,
    "garbage": garbage,
    "close_mid_headers": close_mid_headers,
    "close_mid_body": close_mid_body,
    "bad_chunks": bad_chunks,
    "endless_headers": endless_headers,
    "long_header_line": long_header_line,
    "endless_interim": endless_interim,
}


class Zoo:
    """Every hostile server at once, on 127.0.0.1. `urls[name]`; `accepted[name]` counts connections."""

    def __init__(self, tls_folder: Path | None = None) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if tls_folder is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="uptick-zoo-")
            tls_folder = Path(self._tmp.name)
        self.tls = CertAuthority(tls_folder)
        self.tls_contexts = {  # the certificates its TLS servers present: good, expired, another host's, self-signed
            "tls_good": self.tls.server_context(valid_days=1),
            "tls_expired": self.tls.server_context(valid_days=-1),
            "tls_wrong_host": self.tls.server_context(valid_days=1, names=(x509.DNSName("other.example"),)),
            "tls_self_signed": self.tls.server_context(valid_days=1, self_signed=True),
        }
        self.urls: dict[str, str] = {}
        self.accepted: dict[str, int] = {}
        self._servers: list[asyncio.Server] = []
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> Zoo:
        if not _BOMB:
            _BOMB.append(gzip.compress(bytes(16 << 20), compresslevel=9))
        for name, handler in PLAIN.items():
            port = await self._serve(name, handler)
            self.urls[name] = f"http://127.0.0.1:{port}/"
        for name, context in self.tls_contexts.items():
            port = await self._serve(name, ok, context)
            self.urls[name] = f"https://127.0.0.1:{port}/"
        self.urls["tls_silent"] = f"https://127.0.0.1:{await self._serve('tls_silent', silent)}/"  # no handshake
        port = await self._serve("tls_to_plain_http", plain_http_only)
        self.urls["tls_to_plain_http"] = f"https://127.0.0.1:{port}/"
        port = await self._serve("plain_http_to_tls", ok, self.tls_contexts["tls_good"])
        self.urls["plain_http_to_tls"] = f"http://127.0.0.1:{port}/"
        self.urls["refused"] = f"http://127.0.0.1:{_unused_port()}/"
        self.urls["dns_failure"] = f"http://{UNRESOLVABLE_HOST}/"
        return self

    async def _serve(self, name: str, handler: Handler, context: ssl.SSLContext | None = None) -> int:
        self.accepted[name] = 0

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.accepted[name] += 1
            task = asyncio.current_task()
            assert task is not None
            self._connections.add(task)
            try:
                await handler(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ssl.SSLError,
                    RuntimeError):  # uvloop: RuntimeError when writing to a transport the client closed
                pass  # the checker hung up: what it should do
            except asyncio.CancelledError:
                pass  # the zoo is closing (asyncio's own callback must not see a cancelled task)
            finally:
                self._connections.discard(task)
                writer.close()

        server = await asyncio.start_server(connection, "127.0.0.1", 0, ssl=context)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        if self._tmp is not None:
            self._tmp.cleanup()


def _unused_port() -> int:
    """A port nothing listens on (bound then released: connecting to it is refused)."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
