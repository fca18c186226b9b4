"""A check's URL, parsed once per check however many parts of the checker look at it."""

from __future__ import annotations

import re
from functools import lru_cache

from yarl import URL

from uptick_checker.reasons import CheckFailed

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
