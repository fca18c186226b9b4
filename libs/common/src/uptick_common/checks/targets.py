"""A monitor's target as text, the one reading of it: an http(s) URL (pydantic's, normalised), or
`tcp://host:port` / `tls://host:port`; a heartbeat monitor has none. The monitors API stores a target as
`stored_target` writes it; the checker reads a socket target with `socket_address`."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, HttpUrl, TypeAdapter, ValidationError

HEARTBEAT_TARGET = "heartbeat:"  # what a heartbeat monitor stores as its url: it has no target to check
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


def _url_text(url: HttpUrl) -> str:
    if not url.host:
        raise ValueError("the URL needs a host")
    return str(url)


_HTTP_URL: TypeAdapter[str] = TypeAdapter(  # the validator makes a str of the parsed URL
    Annotated[HttpUrl, Field(max_length=2048), AfterValidator(_url_text)])  # type: ignore[arg-type]


def stored_target(kind: str, url: str) -> str:
    """The target as stored: a normalised http(s) URL, or `tcp://host:port` / `tls://host:port`; a heartbeat
    monitor has none (its push URL is made for it). A ValueError says what is wrong."""
    if kind == "heartbeat":
        return HEARTBEAT_TARGET
    if kind == "http":
        try:
            return _HTTP_URL.validate_python(url)
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    scheme = url.split("://", 1)[0].lower() if "://" in url else kind
    try:
        if scheme not in ("tcp", "tls"):
            raise ValueError
        host, port = socket_address(url)
    except ValueError:
        raise ValueError(f"a {kind} monitor's url is host:port, e.g. {kind}://db.example.com:5432") from None
    return f"{kind}://[{host}]:{port}" if ":" in host else f"{kind}://{host}:{port}"


def target_host(target: str) -> str:
    """The host a stored target names (a monitor's default name), else the target itself."""
    try:
        return urlsplit(target).hostname or target
    except ValueError:
        return target
