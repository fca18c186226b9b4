"""tcp and tls monitors against real servers on 127.0.0.1, through the same target guard as HTTP checks."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from cryptography import x509

from uptick_checker.http_check import HttpChecker
from uptick_common.checks import CheckSpec
from uptick_devstack.certs import CertAuthority

TLS = CheckSpec(type="tls")
TCP = CheckSpec(type="tcp")


@pytest.fixture
async def listen() -> AsyncIterator[Callable[..., Awaitable[int]]]:
    """`await listen(ssl_context=…)` → the port of a server on 127.0.0.1 that holds each connection open."""
    servers: list[asyncio.Server] = []
    writers: set[asyncio.StreamWriter] = set()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.add(writer)
        try:
            await reader.read()
        except (ConnectionError, ssl.SSLError):
            pass
        writers.discard(writer)
        writer.close()

    async def start(ssl_context: ssl.SSLContext | None = None) -> int:
        server = await asyncio.start_server(hold, "127.0.0.1", 0, ssl=ssl_context)
        servers.append(server)
        return server.sockets[0].getsockname()[1]

    yield start
    for server in servers:
        server.close()
    for writer in list(writers):
        writer.transport.abort()
    for server in servers:
        await server.wait_closed()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_tcp_is_up_when_the_port_accepts(checker, listen) -> None:
    port = await listen()
    outcome = await checker.check(f"tcp://127.0.0.1:{port}", 5, TCP)
    assert (outcome.status, outcome.http_status, outcome.error, outcome.assertions) == ("up", None, None, None)
    assert outcome.phases is not None and outcome.phases.dns_ms is None and outcome.phases.tls_ms is None
    assert outcome.latency_ms >= (outcome.phases.connect_ms or 0) >= 0

    named = await checker.check(f"tcp://localhost:{port}", 5, TCP)
    assert named.status == "up" and named.phases is not None and named.phases.dns_ms is not None

    outcome = await checker.check(f"tcp://127.0.0.1:{closed_port()}", 5, TCP)
    assert (outcome.status, outcome.error) == ("down", "connection refused")


async def test_tcp_response_time_assertion(checker, listen) -> None:
    port = await listen()
    outcome = await checker.check(f"tcp://127.0.0.1:{port}", 5, CheckSpec.model_validate(
        {"type": "tcp", "assertions": ["[RESPONSE_TIME] < 0"]}))
    assert outcome.status == "down" and (outcome.error or "").startswith("assertion failed: [RESPONSE_TIME] < 0 (got")


async def test_tcp_and_tls_targets_go_through_the_guard(listen) -> None:
    port = await listen()
    strict = await HttpChecker.open(allowed_networks=())
    try:
        for spec in (TCP, TLS):
            outcome = await strict.check(f"{spec.type}://127.0.0.1:{port}", 5, spec)
            assert (outcome.status, outcome.error) == ("down", "target address 127.0.0.1 is not allowed (loopback)")
            outcome = await strict.check(f"{spec.type}://localhost:{port}", 5, spec)
            assert outcome.status == "down" and "is not allowed (loopback)" in (outcome.error or "")
            outcome = await strict.check(f"{spec.type}://0x7f.1:{port}", 5, spec)
            assert outcome.status == "down" and "is not allowed (loopback)" in (outcome.error or "")
    finally:
        await strict.close()


async def test_tls_is_up_with_a_valid_certificate_far_from_expiry(checker, listen, ca: CertAuthority) -> None:
    port = await listen(ca.server_context(valid_days=90))
    outcome = await checker.check(f"tls://localhost:{port}", 5, TLS)
    assert (outcome.status, outcome.error) == ("up", None)
    assert [(r.assertion, r.passed) for r in outcome.assertions or []] == [("[CERTIFICATE_EXPIRATION] >= 14d", True)]
    phases = outcome.phases
    assert phases is not None and phases.tls_ms is not None and phases.connect_ms is not None
    assert outcome.latency_ms >= phases.connect_ms + phases.tls_ms


async def test_tls_is_down_when_the_certificate_nears_expiry(checker, listen, ca: CertAuthority) -> None:
    port = await listen(ca.server_context(valid_days=5))
    outcome = await checker.check(f"tls://127.0.0.1:{port}", 5, TLS)
    assert (outcome.status, outcome.error) == ("down", "assertion failed: [CERTIFICATE_EXPIRATION] >= 14d (got 5.0d)")
    relaxed = CheckSpec(type="tls", tls_warn_days=3)
    assert (await checker.check(f"tls://127.0.0.1:{port}", 5, relaxed)).status == "up"


@pytest.mark.parametrize(
    ("certificate", "verified_error", "unverified_error"),
    [
        ({"valid_days": -2}, "TLS certificate verify failed: certificate has expired",
         "assertion failed: [CERTIFICATE_EXPIRATION] >= 14d (got expired)"),
        ({"names": (x509.DNSName("other.example"),)},
         "TLS certificate verify failed: Hostname mismatch, certificate is not valid for 'localhost'", None),
        ({"self_signed": True}, "TLS certificate verify failed: self-signed certificate", None),
    ],
)
async def test_tls_is_down_for_an_invalid_certificate(checker, listen, ca: CertAuthority, certificate: dict,
                                                      verified_error: str, unverified_error: str | None) -> None:
    port = await listen(ca.server_context(**certificate))
    outcome = await checker.check(f"tls://localhost:{port}", 5, TLS)
    assert (outcome.status, outcome.error) == ("down", verified_error)
    unverified = await checker.check(f"tls://localhost:{port}", 5, CheckSpec(type="tls", verify_tls=False))
    assert (unverified.status, unverified.error) == ("down" if unverified_error else "up", unverified_error)


async def test_tls_to_a_server_that_does_not_speak_it(checker, listen) -> None:
    port = await listen()  # plain TCP that never answers: the handshake waits for the deadline
    outcome = await checker.check(f"tls://127.0.0.1:{port}", 0.5, TLS)
    assert (outcome.status, outcome.error) == ("down", "timeout after 0.5s")
    outcome = await checker.check(f"tls://127.0.0.1:{closed_port()}", 5, TLS)
    assert (outcome.status, outcome.error) == ("down", "connection refused")
