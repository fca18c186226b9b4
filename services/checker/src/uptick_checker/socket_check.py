"""TCP and TLS monitors: connect to `host:port` through the same target guard as HTTP checks.

`tcp` is up when the connection is accepted. `tls` is up when the handshake succeeds (the certificate
verified, unless `verify_tls` is off) and the certificate has at least `tls_warn_days` left: that rule is
an implicit `[CERTIFICATE_EXPIRATION] >= <tls_warn_days>d` assertion, judged and recorded like the
monitor's own. Nothing is sent on the connection; it is aborted as soon as it has served.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime

import aiohappyeyeballs
from aiohappyeyeballs import AddrInfoType, SocketFactoryType
from aiohttp.abc import ResolveResult
from cryptography import x509

from uptick_checker.outcome import Outcome
from uptick_checker.phases import Timeline
from uptick_checker.reasons import CheckFailed, describe
from uptick_common import netguard
from uptick_common.checks import CertExpiryAssertion, CheckSpec, Observed, evaluate, first_failure, socket_address

HAPPY_EYEBALLS_DELAY = 0.25  # as aiohttp's connector: IPv6 and IPv4 raced, the next address after 250 ms


async def check_socket(target: str, timeout_seconds: float, spec: CheckSpec, *,
                       resolver: netguard.GuardedResolver, sockets: SocketFactoryType,
                       tls_contexts: dict[bool, ssl.SSLContext]) -> Outcome:
    """Never raises for anything the target does: a failure is a `down` outcome with a reason."""
    timeline = Timeline()
    token = timeline.track()
    deadline = asyncio.timeout(timeout_seconds)
    days_left: float | None = None
    try:
        async with deadline:
            host, port = _address(target)
            sock = await _connect(host, port, resolver, sockets, timeline)
            if spec.type == "tls":
                days_left = await _handshake(sock, host, tls_contexts[spec.verify_tls], timeline)
            else:
                sock.close()
                timeline.connected()
        error = None
    except ssl.SSLCertVerificationError as exc:
        error = f"TLS certificate verify failed: {str(exc.verify_message).rstrip('.')}"
    except Exception as exc:  # noqa: BLE001 - whatever the target did, it is a down result
        error = f"timeout after {timeout_seconds:g}s" if deadline.expired() else describe(exc)
    finally:
        timeline.untrack(token)
    latency_ms = timeline.elapsed_ms()
    results = None
    if error is None:
        implicit = [CertExpiryAssertion(type="cert_expiry", op=">=", value=spec.tls_warn_days)]
        assertions = [*(implicit if spec.type == "tls" else []), *spec.assertions]
        if assertions:
            results = evaluate(assertions, Observed(latency_ms=latency_ms, cert_days_left=days_left))
            error = first_failure(results)
    return Outcome("up" if error is None else "down", None, latency_ms, error, timeline.phases(), results)


def _address(target: str) -> tuple[str, int]:
    try:
        return socket_address(target)
    except ValueError as exc:
        raise CheckFailed("invalid target: host:port expected") from exc


async def _connect(host: str, port: int, resolver: netguard.GuardedResolver, sockets: SocketFactoryType,
                   timeline: Timeline) -> socket.socket:
    """Resolve (refused addresses dropped), then connect to what was checked: the socket factory refuses
    any other address before a socket exists."""
    named = netguard.literal_address(host) is None
    if named:
        timeline.dns_started()
    resolved = await resolver.resolve(host, port, family=socket.AF_UNSPEC)
    if named:
        timeline.dns_ended()
    return await aiohappyeyeballs.start_connection(
        _addr_infos(resolved), happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY, interleave=1, socket_factory=sockets)


def _addr_infos(resolved: Sequence[ResolveResult]) -> list[AddrInfoType]:
    infos: list[AddrInfoType] = []
    for result in resolved:
        address = (result["host"], result["port"])
        if result["family"] == socket.AF_INET6:
            infos.append((socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (*address, 0, 0)))
        else:
            infos.append((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address))
    return infos


async def _handshake(sock: socket.socket, host: str, context: ssl.SSLContext, timeline: Timeline) -> float:
    """TLS over the connected socket; returns the days the peer's certificate has left."""
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_connection(asyncio.Protocol, sock=sock, ssl=context, server_hostname=host)
    except BaseException:
        sock.close()
        raise
    try:
        timeline.connected()
        der = transport.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        transport.abort()
    if not der:
        raise CheckFailed("the server sent no certificate")
    return days_left(der)


def days_left(der: bytes) -> float:
    """Days until a DER certificate expires (negative once it has)."""
    try:
        not_after = x509.load_der_x509_certificate(der).not_valid_after_utc
    except ValueError as exc:
        raise CheckFailed("the server's certificate cannot be read") from exc
    return (not_after - datetime.now(UTC)).total_seconds() / 86400
