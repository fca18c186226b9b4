"""A Monitor resource's spec as the REST API's monitor: camelCase names back to the API's snake_case (the CRD
mirrors the API, tests/deploy/test_crd.py keeps them equal), header values read from their Secrets."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

ReadSecret = Callable[[str, str, str], Awaitable[str]]  # (namespace, secret name, key) → value

# What a field absent from the spec means, sent on every update so that removing a field from the resource
# resets it in Uptick (the API's defaults; the timeout's depends on the interval, as in the API).
RESET = {"paused": False, "method": "GET", "headers": {}, "body": None, "follow_redirects": True,
         "expected_status": ["200-399"], "verify_tls": True, "assertions": [], "tls_warn_days": 14,
         "grace_seconds": 0, "quorum": None, "confirmation_period_seconds": 0, "recovery_period_seconds": 0,
         "channel_ids": None, "reminder_interval_seconds": None, "escalate_after_seconds": None,
         "escalation_channel_ids": None, "depends_on": None}
DEFAULT_TIMEOUT = 10


def api_name(name: str) -> str:
    return "verify_tls" if name == "verifyTLS" else re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


class MissingSecret(Exception):
    pass


async def monitor_body(spec: Mapping[str, Any], namespace: str, read_secret: ReadSecret) -> dict[str, Any]:
    """The monitor the API is asked to hold: the spec's fields, and the defaults of those it leaves out."""
    body = {api_name(name): value for name, value in spec.items() if name != "headers"}
    headers = {}
    for header in spec.get("headers", ()):
        ref = header["valueFrom"]["secretKeyRef"]
        headers[header["name"]] = await read_secret(namespace, ref["name"], ref["key"])
    if headers:
        body["headers"] = headers
    interval = body.get("interval_seconds", 180)
    return {**RESET, "timeout_seconds": min(DEFAULT_TIMEOUT, interval - 1), **body}
