"""A check's connection: resolved through the target guard, made to an address checked the moment before.

Every check opens a connection of its own (what a visitor goes through), so this is the checker's hot
path: one address (an IP literal, or a name with one allowed address) is one `loop.create_connection`
to that literal, which uvloop connects without a lookup or a thread. A name with several addresses
races them as browsers do (happy eyeballs, RFC 8305), each socket made by the guarded socket factory.
Whichever way, no socket exists for an address the guard refuses.

The timeline is told when the lookup starts and ends, when the TCP connect starts and when the
connection is ready; a TLS handshake's start is marked by the TLS context itself (phases.timed_tls).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple, TypeVar

import aiohappyeyeballs
from aiohappyeyeballs import AddrInfoType

from uptick_checker.phases import Timeline
from uptick_checker.reasons import CheckFailed
from uptick_common import netguard

HAPPY_EYEBALLS_DELAY = 0.25  # as aiohttp's connector: the next address is tried after 250 ms
P = TypeVar("P", bound=asyncio.BaseProtocol)


class Literal(NamedTuple):
    family: int
    address: str  # the plain spelling: 127.0.0.1 for 2130706433
    refused: str | None  # why the guard refuses it, None when allowed


class Connector:
    """Opens guarded connections for one checker process."""

    def __init__(self, resolver: netguard.GuardedResolver, allowed_networks: Sequence[netguard.IPNetwork]) -> None:
        self._resolver = resolver
        self._allowed = tuple(allowed_networks)
        self._sockets = netguard.socket_factory(self._allowed)
        # A monitor's host comes back every interval: what an IP literal means, and whether it is allowed,
        # is worked out once (ipaddress is slow, and the same literal is looked at several times a check).
        self.literal = lru_cache(maxsize=4096)(self._literal)

    def _literal(self, host: str) -> Literal | None:
        """An IP-literal host's address in its plain spelling and the guard's verdict; None for a name."""
        address = netguard.literal_address(host)
        if address is None:
            return None
        family = socket.AF_INET if address.version == 4 else socket.AF_INET6
        return Literal(family, str(address), netguard.is_allowed(address, self._allowed))

    async def close(self) -> None:
        await self._resolver.close()

    async def open(self, host: str, port: int, protocol: Callable[[], P], timeline: Timeline, *,
                   tls: ssl.SSLContext | None = None) -> tuple[asyncio.Transport, P]:
        """Connect to `host:port` (a name, or an IP literal in any spelling), with TLS when `tls` is given
        (the certificate checked against `host`). Raises `TargetRefused` when no allowed address is left."""
        addresses = await self._addresses(host, port, timeline)
        loop = asyncio.get_running_loop()
        server_hostname = host.strip("[]") if tls is not None else None
        timeline.socket_made()
        if len(addresses) == 1:
            family, address = addresses[0]
            if reason := self._refusal(address):  # the last look before a socket exists
                raise netguard.TargetRefused(reason)
            transport, handler = await loop.create_connection(
                protocol, address, port, family=family, ssl=tls, server_hostname=server_hostname)
        else:
            sock = await aiohappyeyeballs.start_connection(
                [_addr_info(family, address, port) for family, address in addresses],
                happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY, interleave=1, socket_factory=self._sockets)
            try:
                transport, handler = await loop.create_connection(protocol, sock=sock, ssl=tls,
                                                                  server_hostname=server_hostname)
            except BaseException:
                sock.close()
                raise
        timeline.connected()
        return transport, handler

    def _refusal(self, address: str) -> str | None:
        literal = self.literal(address)
        return literal.refused if literal is not None else f"target address {address} is not an IP address"

    async def _addresses(self, host: str, port: int, timeline: Timeline) -> list[tuple[int, str]]:
        literal = self.literal(host)
        if literal is not None:
            if literal.refused:
                raise netguard.TargetRefused(literal.refused)
            return [(literal.family, literal.address)]
        timeline.dns_started()
        try:
            resolved = await self._resolver.resolve(host, port, family=socket.AF_UNSPEC)
        except netguard.TargetRefused:
            raise
        except OSError as exc:  # aiohttp's resolvers say why in strerror: "Domain name not found"
            detail = (exc.strerror or "").lower()
            raise CheckFailed(f"DNS lookup failed ({detail})" if detail else "DNS lookup failed") from exc
        timeline.dns_ended()
        return [(result["family"], result["host"]) for result in resolved]


def _addr_info(family: int, address: str, port: int) -> AddrInfoType:
    sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
    return (socket.AddressFamily(family), socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)
