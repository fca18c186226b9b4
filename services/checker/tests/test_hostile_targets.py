"""The zoo (zoo.py) against one HttpChecker: every hostile target is `down` with a short reason that is the
same every time, within the monitor's timeout, and the checker works as before afterwards."""

from __future__ import annotations

import asyncio
import errno
import gzip
import time
from collections import defaultdict
from collections.abc import AsyncIterator

import aiohttp
import pytest

from uptick_checker.http_check import HttpChecker, Outcome
from uptick_checker.reasons import describe
from uptick_checker.wire import MAX_INTERIM
from uptick_common.netguard import parse_networks
from uptick_devstack.zoo import Zoo

TIMEOUT_S = 2.0  # the monitor's timeout for the targets that never finish
TIMED_OUT = f"timeout after {TIMEOUT_S:g}s"
QUICK_TIMEOUT_S = 15.0  # for the others: they fail at once, and a busy test machine must not make them time out
SLACK_S = 2.0  # generous: the bound is "never much past the deadline", not a timing measurement
ROUNDS = 3  # each target this many times at once: a reason must not depend on timing

EXPECTED: dict[str, str | None] = {
    "silent": TIMED_OUT,
    "slow_headers": TIMED_OUT,
    "slow_body": TIMED_OUT,
    "tls_silent": TIMED_OUT,
    "endless_body": "response body larger than 1 MiB",
    "tiny_chunks": "response body larger than 1 MiB",
    "endless_interim": "invalid HTTP response: too many interim (1xx) responses",
    "huge_body": "response body larger than 1 MiB",
    "gzip_bomb": "response body larger than 1 MiB",
    "redirect_loop": "too many redirects",
    "redirect_chain": "too many redirects",
    "redirect_to_bad_location": "invalid redirect location",
    "redirect_to_ftp": "unsupported URL scheme 'ftp'",
    "reset": "connection reset by peer",
    "reset_on_accept": "connection reset by peer",
    "refused": "connection refused",
    "garbage": "invalid HTTP response: bad status line",
    "close_mid_headers": "server closed the connection without a complete response",
    "plain_http_to_tls": "server closed the connection without a complete response",
    "close_mid_body": "response body incomplete or malformed",
    "bad_chunks": "invalid HTTP response: invalid character in chunk size",
    "endless_headers": "invalid HTTP response: too many headers received",
    "long_header_line": "invalid HTTP response: header line too long",
    "tls_expired": "TLS certificate verify failed: certificate has expired",
    "tls_wrong_host": "TLS certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.1'",
    "tls_self_signed": "TLS certificate verify failed: self-signed certificate",
    "tls_to_plain_http": "TLS handshake failed (wrong version number)",
    "dns_failure": "DNS lookup failed (domain name not found)",
    "tls_good": None,  # the control: the zoo's CA is trusted, so only the faults above are faults
}


@pytest.fixture
async def zoo(tmp_path) -> AsyncIterator[Zoo]:
    running = await Zoo(tmp_path).start()
    yield running
    await running.close()


@pytest.fixture
async def checker(zoo: Zoo) -> AsyncIterator[HttpChecker]:
    """A checker as in production, but trusting the zoo's CA (and allowed to reach loopback)."""
    opened = await HttpChecker.open(allowed_networks=parse_networks("127.0.0.0/8"),
                                    ssl_context=zoo.tls.trust())
    yield opened
    await opened.close()


async def timed(checker: HttpChecker, url: str, timeout: float) -> tuple[Outcome, float]:
    started = time.monotonic()
    outcome = await checker.check(url, timeout)
    return outcome, time.monotonic() - started


async def test_every_hostile_target_is_down_with_a_short_stable_reason_within_the_deadline(
    zoo: Zoo, checker: HttpChecker
) -> None:
    assert set(zoo.urls) == set(EXPECTED), "every member of the zoo has its expected reason"
    names = [name for name in zoo.urls for _ in range(ROUNDS)]
    timeouts = {name: TIMEOUT_S if EXPECTED[name] == TIMED_OUT else QUICK_TIMEOUT_S for name in zoo.urls}
    done = await asyncio.gather(*(timed(checker, zoo.urls[name], timeouts[name]) for name in names))

    reasons: dict[str, set[str | None]] = defaultdict(set)
    for name, (outcome, elapsed) in zip(names, done, strict=True):
        reasons[name].add(outcome.error)
        assert outcome.status == ("up" if EXPECTED[name] is None else "down"), name
        assert elapsed < timeouts[name] + SLACK_S, f"{name} took {elapsed:.1f}s"
        if EXPECTED[name] == TIMED_OUT:
            assert elapsed >= TIMEOUT_S, name
            assert outcome.latency_ms >= TIMEOUT_S * 1000, name
    assert dict(reasons) == {name: {reason} for name, reason in EXPECTED.items()}
    assert all(len(reason) <= 100 for reason in EXPECTED.values() if reason)

    # and the checker is none the worse for it
    for url in (zoo.urls["tls_good"], zoo.urls["tls_good"].replace("https://127.0.0.1", "https://localhost")):
        outcome, _ = await timed(checker, url, QUICK_TIMEOUT_S)
        assert (outcome.status, outcome.http_status, outcome.error) == ("up", 200, None), url


async def test_each_check_has_its_own_deadline_whatever_else_is_in_flight(zoo: Zoo, checker: HttpChecker) -> None:
    """A good target checked while the slow ones hang answers at once; the slow ones end at their own deadline."""
    slow = [asyncio.create_task(timed(checker, zoo.urls[name], 5)) for name in ("silent", "slow_body", "slow_headers")
            for _ in range(20)]
    await asyncio.sleep(0.2)
    outcome, _ = await timed(checker, zoo.urls["tls_good"], QUICK_TIMEOUT_S)
    assert outcome.status == "up"
    assert not any(task.done() for task in slow)  # done long before the slow ones' deadline
    for outcome, elapsed in await asyncio.gather(*slow):
        assert outcome.error == "timeout after 5s"
        assert 5 <= elapsed < 5 + SLACK_S


@pytest.mark.parametrize("framing", ["content-length", "chunked", "gzip"])
async def test_a_body_up_to_the_limit_is_fine_one_byte_more_is_down(raw_server, framing: str) -> None:
    limit = 64 * 1024

    def respond(size: int):  # noqa: ANN202 - a raw_server handler
        body = b"x" * size

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            if framing == "chunked":
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for start in range(0, size, 1000):
                    piece = body[start:start + 1000]
                    writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                writer.write(b"0\r\n\r\n")
            else:
                payload = gzip.compress(body) if framing == "gzip" else body
                encoding = b"Content-Encoding: gzip\r\n" if framing == "gzip" else b""
                writer.write(b"HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n%s" % (encoding, len(payload), payload))
            await writer.drain()

        return handler

    checker = await HttpChecker.open(allowed_networks=parse_networks("127.0.0.0/8"), max_body_bytes=limit)
    try:
        fits, too_big = await raw_server(respond(limit)), await raw_server(respond(limit + 1))
        outcome = await checker.check(f"http://127.0.0.1:{fits.port}/", 5)
        assert (outcome.status, outcome.http_status, outcome.error) == ("up", 200, None)
        outcome = await checker.check(f"http://127.0.0.1:{too_big.port}/", 5)
        # The target did answer: its status is kept beside the reason (a user sees "200, body too large").
        assert (outcome.status, outcome.http_status, outcome.error) == ("down", 200, "response body larger than 64 KiB")
    finally:
        await checker.close()


def test_a_reset_reads_the_same_whichever_step_it_interrupts() -> None:
    """Reset while the request is written (aiohttp: "Cannot write to closing transport") or while the answer
    is read: one reason, whatever the timing."""
    reset = "connection reset by peer"
    assert describe(aiohttp.ClientConnectionResetError("Cannot write to closing transport")) == reset
    assert describe(ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")) == reset


async def test_a_few_interim_responses_are_fine_a_stream_of_them_is_not(raw_server) -> None:
    def respond(interim: int):  # noqa: ANN202 - a raw_server handler
        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" * interim)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

        return handler

    checker = await HttpChecker.open(allowed_networks=parse_networks("127.0.0.0/8"))
    try:
        fine, flood = await raw_server(respond(MAX_INTERIM)), await raw_server(respond(MAX_INTERIM + 1))
        outcome = await checker.check(f"http://127.0.0.1:{fine.port}/", 5)
        assert (outcome.status, outcome.http_status, outcome.error) == ("up", 200, None)
        outcome = await checker.check(f"http://127.0.0.1:{flood.port}/", 5)
        assert (outcome.status, outcome.error) == ("down", "invalid HTTP response: too many interim (1xx) responses")
    finally:
        await checker.close()
