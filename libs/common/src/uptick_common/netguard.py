"""Target safety: refuse to connect to addresses a user of a hosted monitor must not reach.

By default every address that is not globally routable is refused (loopback, private, shared,
link-local with the cloud metadata address, multicast, reserved, documentation, unspecified), and so
is every IPv6 address that embeds such an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4,
Teredo). An explicit allow-list of networks opens some of them (a local stack allows loopback).

The check applies to the address a socket is about to connect to: `GuardedResolver` drops refused
addresses from what a name resolves to, `literal_address` interprets IP literals (including the legacy
spellings `2130706433`, `0x7f.1`, `017700000001` that the C resolver accepts), and `socket_factory`
refuses at the very last step, before a socket exists, whatever path an address took to get there.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import TypeVar

from aiohappyeyeballs import AddrInfoType, SocketFactoryType
from aiohttp.abc import AbstractResolver, ResolveResult

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
T = TypeVar("T")


class TargetRefused(OSError):
    """The target resolves only to addresses that are not allowed; `str()` is the user-visible reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def _table(*rows: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ip_network(cidr), label) for cidr, label in rows)


# First match wins; anything else that is not globally routable is "reserved".
_IPV4_RULES = _table(
    ("0.0.0.0/32", "unspecified"),
    ("0.0.0.0/8", "reserved"),
    ("127.0.0.0/8", "loopback"),
    ("10.0.0.0/8", "private"),
    ("172.16.0.0/12", "private"),
    ("192.168.0.0/16", "private"),
    ("100.64.0.0/10", "shared address space"),
    ("169.254.169.254/32", "link-local, cloud metadata"),
    ("169.254.0.0/16", "link-local"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
    ("192.0.2.0/24", "documentation"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("198.18.0.0/15", "benchmarking"),
    ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
    ("192.88.99.0/24", "reserved"),  # the retired 6to4 relay anycast
)
_IPV6_RULES = _table(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("fe80::/10", "link-local"),
    ("fc00::/7", "unique-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
)
_GLOBAL_UNICAST = ip_network("2000::/3")  # IANA allocates public IPv6 space only from here
_NAT64 = ip_network("64:ff9b::/96")
_COMPATIBLE = ip_network("::/96")
_LEGACY_IPV4 = re.compile(r"[0-9a-fA-FxX.]+")


def parse_networks(value: str | Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    """`"127.0.0.0/8, ::1"` → networks. An empty string is an empty list; a bad entry is a ValueError."""
    items = value.split(",") if isinstance(value, str) else value
    networks = []
    for item in items:
        if isinstance(item, IPv4Network | IPv6Network):
            networks.append(item)
            continue
        if not item.strip():
            continue
        try:
            networks.append(ip_network(item.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{item.strip()!r} is not a network in CIDR notation") from exc
    return tuple(networks)


# A check parses the same host several times (the redirect guard, the resolver, the rate limiter, the socket
# factory): both functions below are pure, their results immutable, so they are cached. Bounded: a stream of
# distinct hosts only evicts older entries.
_CACHE_SIZE = 4096


@lru_cache(maxsize=_CACHE_SIZE)
def literal_address(host: str) -> IPAddress | None:
    """The address an IP-literal host denotes, however it is spelled; None for a name.

    `2130706433`, `0x7f.1`, `127.1` and `0177.0.0.1` all mean 127.0.0.1 to `getaddrinfo`."""
    host = host.strip("[]")
    try:
        return _plain(ip_address(host))
    except ValueError:
        pass
    if _LEGACY_IPV4.fullmatch(host):  # inet_aton ignores anything after a space: only feed it this
        try:
            return IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_allowed(address: IPAddress | str, allowed_networks: Sequence[IPNetwork] = ()) -> str | None:
    """None when a connection to `address` is allowed, else the reason it is refused."""
    ip = _parsed(address) if isinstance(address, str) else _plain(address)
    return _verdict(ip, tuple(allowed_networks))


@lru_cache(maxsize=_CACHE_SIZE)
def _parsed(address: str) -> IPAddress:
    """`ip_address`, strict (a resolver's answers): a ValueError is raised, and not cached."""
    return _plain(ip_address(address))


@lru_cache(maxsize=_CACHE_SIZE)
def _verdict(ip: IPAddress, allowed_networks: tuple[IPNetwork, ...]) -> str | None:
    if _in_any(ip, allowed_networks):
        return None
    kind, embedded = _embedded_ipv4(ip)
    if embedded is not None:
        if _in_any(embedded, allowed_networks):
            return None
        category = _category(embedded)
        shown = f"::ffff:{embedded}" if kind == "IPv4-mapped" else ip  # as written, not ::ffff:7f00:1
        return None if category is None else f"target address {shown} is not allowed ({kind} {category})"
    category = _category(ip)
    return None if category is None else f"target address {ip} is not allowed ({category})"


def _plain(ip: IPAddress) -> IPAddress:
    """Without an IPv6 zone (`fe80::1%eth0`): the zone does not change what kind of address it is."""
    if isinstance(ip, IPv6Address) and ip.scope_id:
        return IPv6Address(ip.packed)
    return ip


def _in_any(ip: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


def _embedded_ipv4(ip: IPAddress) -> tuple[str, IPv4Address | None]:
    """The IPv4 address an IPv6 address leads to, and how it is embedded."""
    if isinstance(ip, IPv4Address):
        return "", None
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip in _NAT64:
        return "NAT64", IPv4Address(ip.packed[-4:])
    if ip in _COMPATIBLE and int(ip) > 1:  # not :: and ::1, which are IPv6's own
        return "IPv4-compatible", IPv4Address(ip.packed[-4:])
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    if ip.teredo is not None:
        return "Teredo", ip.teredo[1]
    return "", None


def _category(ip: IPAddress) -> str | None:
    """Why this address is not a public one, or None if it is."""
    rules = _IPV4_RULES if isinstance(ip, IPv4Address) else _IPV6_RULES
    for network, label in rules:
        if ip in network:
            return label
    if isinstance(ip, IPv6Address) and ip not in _GLOBAL_UNICAST:
        return "reserved"
    return None if ip.is_global else "reserved"


def allowed_addresses(host: str, candidates: Iterable[T], allowed_networks: Sequence[IPNetwork] = (), *,
                      address: Callable[[T], IPAddress | str] = str) -> list[T]:
    """The candidates (resolved addresses of `host`, or records holding one: `address` reads it) whose address may
    be reached, in their order; none left → `TargetRefused` with the first refusal's reason."""
    kept, refusals = [], []
    for candidate in candidates:
        reason = is_allowed(address(candidate), allowed_networks)
        if reason is None:
            kept.append(candidate)
        else:
            refusals.append(reason)
    if not kept:
        raise TargetRefused(refusals[0] if refusals else f"{host} has no address")
    return kept


class GuardedResolver(AbstractResolver):
    """Resolves with another resolver and keeps only allowed addresses; none left → `TargetRefused`."""

    def __init__(self, resolver: AbstractResolver, allowed_networks: Sequence[IPNetwork] = ()) -> None:
        self._resolver = resolver
        self._allowed = tuple(allowed_networks)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        literal = literal_address(host)
        if literal is not None:  # never ask DNS about a number: answer it as getaddrinfo would
            if reason := is_allowed(literal, self._allowed):
                raise TargetRefused(reason)
            return [_result(host, literal, port)]
        results = await self._resolver.resolve(host, port, family)
        return allowed_addresses(host, results, self._allowed, address=lambda result: result["host"])

    async def close(self) -> None:
        await self._resolver.close()


def _result(host: str, ip: IPAddress, port: int) -> ResolveResult:
    family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    return ResolveResult(hostname=host, host=str(ip), port=port, family=family, proto=0,
                         flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV)


def socket_factory(allowed_networks: Sequence[IPNetwork] = ()) -> SocketFactoryType:
    """An aiohttp `socket_factory` that refuses a disallowed address before any socket is created:
    the last line of defence, whatever path (resolver, IP literal, redirect) the address came by."""
    allowed = tuple(allowed_networks)

    def create(addr_info: AddrInfoType) -> socket.socket:
        family, type_, proto, _canonname, sockaddr = addr_info
        ip = literal_address(sockaddr[0])
        if ip is None:
            raise TargetRefused(f"target address {sockaddr[0]} is not an IP address")
        if reason := is_allowed(ip, allowed):
            raise TargetRefused(reason)
        return socket.socket(family=family, type=type_, proto=proto)

    return create
