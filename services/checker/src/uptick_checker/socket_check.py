"""TCP and TLS monitors: connect to `host:port` through the same target guard as HTTP checks.

`tcp` is up when the connection is accepted. `tls` is up when the handshake succeeds (the certificate
verified, unless `verify_tls` is off) and the certificate has at least `tls_warn_days` left: that rule is
an implicit `[CERTIFICATE_EXPIRATION] >= <tls_warn_days>d` assertion, judged and recorded like the
monitor's own. Nothing is sent on the connection; it is aborted as soon as it has served.
"""

from __future__ import annotations

import asyncio
import ssl
from datetime import UTC, datetime

from cryptography import x509

from uptick_checker.connect import Connector
from uptick_checker.outcome import Outcome, judge
from uptick_checker.phases import Timeline
from uptick_checker.reasons import CheckFailed
from uptick_checker.urls import socket_target
from uptick_common.checks import CheckSpec
from uptick_common.checks.assertions import CertExpiryAssertion
from uptick_common.checks.judging import Observed


async def check_socket(target: str, timeout_seconds: float, spec: CheckSpec, *, connector: Connector,
                       tls_contexts: dict[bool, ssl.SSLContext]) -> Outcome:
    """Never raises for anything the target does: a failure is a `down` outcome with a reason."""
    tls = tls_contexts[spec.verify_tls] if spec.type == "tls" else None

    async def observe(timeline: Timeline) -> Observed:
        host, port = socket_target(target)
        transport, _ = await connector.open(host, port, asyncio.Protocol, timeline, tls=tls)
        try:
            if tls is None:
                return Observed(latency_ms=0)
            der = transport.get_extra_info("ssl_object").getpeercert(binary_form=True)
            if not der:
                raise CheckFailed("the server sent no certificate")
            return Observed(latency_ms=0, cert_days_left=days_left(der))
        finally:
            transport.abort()

    implicit = [CertExpiryAssertion(type="cert_expiry", op=">=", value=spec.tls_warn_days)] if tls else []
    return await judge(observe, timeout_seconds, [*implicit, *spec.assertions])


def days_left(der: bytes) -> float:
    """Days until a DER certificate expires (negative once it has)."""
    try:
        not_after = x509.load_der_x509_certificate(der).not_valid_after_utc
    except ValueError as exc:
        raise CheckFailed("the server's certificate cannot be read") from exc
    return (not_after - datetime.now(UTC)).total_seconds() / 86400
