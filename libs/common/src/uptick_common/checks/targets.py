"""A monitor's target as text: `tcp://db.example.com:5432`, `tls://[2001:db8::1]:443`, or an http(s) URL."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_HOST = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,252}|[0-9A-Fa-f:.]{2,45}")


def socket_address(target: str) -> tuple[str, int]:
    """`tcp://db.example.com:5432`, `tls://[2001:db8::1]:443` or `host:port` → (host, port)."""
    rest = target.split("://", 1)[1] if "://" in target else target
    try:
        parts = urlsplit("//" + rest)
        host, port = parts.hostname or "", parts.port or 0
    except ValueError:
        parts, host, port = None, "", 0
    if parts is None or not _HOST.fullmatch(host) or not port or parts.path or parts.query or parts.fragment \
            or parts.username is not None:
        raise ValueError(f"{target[:80]!r} is not host:port")
    return host, port
