"""A check's target, parsed once per check however many parts of the checker look at it: an http(s) URL
(yarl, as aiohttp reads it), a `host:port` target (the shared reading, uptick_common.checks.targets), and
what a log line may show of either."""

from __future__ import annotations

import re
from functools import lru_cache

from yarl import URL

from uptick_checker.reasons import CheckFailed
from uptick_common.checks.targets import socket_address

# What the monitors API stores (pydantic's normalised URL): ASCII, percent-encoded, nothing to normalise.
_ENCODED_URL = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


# Pure. The rate limiter and then the check parse a job's URL moments apart (the second is a hit), and a
# small deployment's URLs all fit.
@lru_cache(maxsize=4096)
def parsed_url(target: str) -> URL:
    """An already-encoded URL is taken as it is (a third of the cost: yarl parses an IP-literal host with
    `ipaddress` otherwise); anything else is normalised by yarl."""
    try:
        url = URL(target, encoded=True) if _ENCODED_URL.fullmatch(target) else URL(target)
        url.port  # noqa: B018 - a bad port is a bad URL, said now rather than when connecting
    except ValueError as exc:
        raise CheckFailed("invalid URL") from exc
    return url


def redirect_target(url: URL, location: str) -> URL:
    """Where a redirect's `Location` leads from `url` (relative to it, or absolute)."""
    try:
        return url.join(URL(location))
    except ValueError as exc:
        raise CheckFailed("invalid redirect location") from exc


def socket_target(target: str) -> tuple[str, int]:
    """A tcp or tls monitor's (host, port)."""
    try:
        return socket_address(target)
    except ValueError as exc:
        raise CheckFailed("invalid target: host:port expected") from exc


@lru_cache(maxsize=4096)  # pure, once per check for its log line, and a monitor's URL comes back every interval
def display_url(url: str) -> str:
    """scheme://host[:port]/path: what a log line may show (no credentials, no query, no fragment)."""
    try:
        return str(parsed_url(url).with_user(None).with_query(None).with_fragment(None))
    except (CheckFailed, ValueError):
        return "(invalid URL)"
