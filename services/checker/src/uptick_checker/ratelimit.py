"""A bounded rate of checks per target host, so that a thousand monitors on one site do not hammer it.

Each host has a token bucket (`burst` checks at once, then `rate_per_second`), kept as one number: the
time its next check may start if nothing is saved up (GCRA, the "virtual scheduling" form of a token
bucket). A job reserves the next free start slot of its host and sleeps until then: waiting is per job,
so a host with a queue never slows the checks of other hosts, and jobs of one host start in the order
they arrived. A slot further away than `max_wait_seconds` is not reserved, and the caller checks that
job at once: the limit smooths bursts into the rate, but a host whose monitors ask for more than the rate
for longer than the wait gets what they ask, counted and logged, rather than scheduled checks lost (a
hard cap on a host belongs to scheduling, where a check not made is never a job dropped).

The limit is per process: N checker replicas of a region let a host see up to N times the rate. A limit
shared in Redis (a GCRA script per batch of jobs read) would hold whatever the replica count, at the cost
of a round trip per batch and of one more thing to wait for when Redis is slow.

A host whose next slot is in the past is indistinguishable from a host never seen, so it is forgotten:
memory holds only hosts checked in the last `burst / rate + max_wait` seconds, and never more than
`max_hosts` (past that, the least recently used host is forgotten early and gets a fresh burst).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache

from yarl import URL

from uptick_checker.reasons import CheckFailed
from uptick_checker.urls import parsed_url
from uptick_common import netguard

PRUNE_PER_CALL = 4  # forgotten hosts dropped per reservation: enough to keep up, never a long pause


class HostRateLimiter:
    def __init__(self, rate_per_second: float, burst: int, max_wait_seconds: float, *,
                 max_hosts: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        """`rate_per_second` 0: no limit."""
        if rate_per_second < 0 or burst < 1 or max_wait_seconds < 0 or max_hosts < 1:
            raise ValueError("rate ≥ 0, burst ≥ 1, max wait ≥ 0 and max hosts ≥ 1, please")
        self._interval = 1 / rate_per_second if rate_per_second else 0.0
        self._tolerance = (burst - 1) * self._interval  # how far ahead of "now" a full bucket lets a host go
        self._max_wait = max_wait_seconds
        self._max_hosts = max_hosts
        self._clock = clock
        self._next: OrderedDict[str, float] = OrderedDict()  # host → its theoretical next start, LRU order

    def __len__(self) -> int:
        return len(self._next)

    def reserve(self, host: str | None) -> float | None:
        """Take the next start slot of `host`: seconds to wait until it (0.0: start now), or None if that slot
        is more than `max_wait_seconds` away, in which case nothing is taken. A host of None is not limited."""
        if host is None or not self._interval:
            return 0.0
        now = self._clock()
        self._prune(now)
        due = max(self._next.get(host, now), now)
        wait = max(0.0, due - self._tolerance - now)
        if wait > self._max_wait:
            return None
        self._next[host] = due + self._interval
        self._next.move_to_end(host)
        return wait

    def _prune(self, now: float) -> None:
        """Forget the least recently used hosts that are due (or over the cap), a few per call."""
        for _ in range(PRUNE_PER_CALL):
            if not self._next:
                return
            host, due = next(iter(self._next.items()))
            if due > now and len(self._next) < self._max_hosts:
                return
            del self._next[host]


def host_key(url: str) -> str | None:
    """What a URL's checks are limited by: its host, lowercased, without a trailing dot, an IP literal in
    its plain spelling (`2130706433` is 127.0.0.1); the port is ignored (one machine). None: no valid host."""
    try:
        host = parsed_url(url).raw_host  # parsed once: the check itself reads it from the same cache
    except CheckFailed:
        return None
    return _normal_host(host) if host else None


@lru_cache(maxsize=4096)  # pure, and hosts are far fewer than URLs
def _normal_host(host: str) -> str | None:
    address = netguard.literal_address(host)
    if address is not None:
        return str(getattr(address, "ipv4_mapped", None) or address)  # ::ffff:127.0.0.1 is 127.0.0.1
    try:
        encoded = URL.build(scheme="http", host=host).raw_host  # IDNA: bücher.example is xn--bcher-kva.example
    except ValueError:
        return None
    return encoded.rstrip(".").lower() if encoded else None
