"""Target safety: which addresses are refused and why, and that a refused address receives no packet."""

from __future__ import annotations

import asyncio
import socket
from ipaddress import ip_address, ip_network

import aiohttp
import pytest
from aiohttp.resolver import ThreadedResolver

from uptick_common.netguard import (
    GuardedResolver,
    TargetRefused,
    allowed_addresses,
    is_allowed,
    literal_address,
    parse_networks,
)
from uptick_common.netguard import socket_factory as guarded_socket_factory

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "shared address space"),
    ("169.254.169.254", "link-local, cloud metadata"),
    ("169.254.1.1", "link-local"),
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "reserved"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("255.255.255.255", "broadcast"),
    ("240.0.0.1", "reserved"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.10", "documentation"),
    ("203.0.113.10", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("192.0.0.8", "reserved"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("fc00::1", "unique-local"),
    ("fd00:ec2::254", "unique-local"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("100::1", "reserved"),
    ("1::1", "reserved"),
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:169.254.169.254", "IPv4-mapped link-local, cloud metadata"),
    ("::ffff:10.0.0.1", "IPv4-mapped private"),
    ("::127.0.0.1", "IPv4-compatible loopback"),
    ("64:ff9b::a9fe:a9fe", "NAT64 link-local, cloud metadata"),
    ("64:ff9b::7f00:1", "NAT64 loopback"),
    ("2002:7f00:1::", "6to4 loopback"),
    ("2002:c0a8:101::1", "6to4 private"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo loopback"),  # client 127.0.0.1, obfuscated
]

ALLOWED = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "100.63.255.255", "172.32.0.1", "2606:4700:4700::1111",
           "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]


@pytest.mark.parametrize(("address", "category"), REFUSED)
def test_refused_addresses_say_why(address: str, category: str) -> None:
    reason = is_allowed(address)
    assert reason is not None
    assert reason.endswith(f"is not allowed ({category})")


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_allowed(address) is None


def test_reason_names_the_address_as_written() -> None:
    assert is_allowed("127.0.0.1") == "target address 127.0.0.1 is not allowed (loopback)"
    assert is_allowed("::ffff:127.0.0.1") == "target address ::ffff:127.0.0.1 is not allowed (IPv4-mapped loopback)"


def test_allow_list_opens_only_its_networks() -> None:
    allowed = parse_networks("127.0.0.0/8, 10.20.0.0/16")
    assert is_allowed("127.0.0.1", allowed) is None
    assert is_allowed("::ffff:127.0.0.1", allowed) is None  # the same destination
    assert is_allowed("10.20.3.4", allowed) is None
    assert is_allowed("10.21.0.1", allowed) is not None
    assert is_allowed("::1", allowed) is not None
    assert is_allowed("169.254.169.254", allowed) is not None


def test_allowed_addresses_keep_the_reachable_in_order() -> None:
    """The one filter of the resolver and of the notifier's connections: the allowed ones in their order, records
    read through `address`; nothing allowed is a refusal with the first reason, nothing at all says so."""
    addresses = ["10.0.0.1", "93.184.216.34", "127.0.0.1", "2606:4700::1"]
    assert allowed_addresses("shop.example", addresses) == ["93.184.216.34", "2606:4700::1"]
    assert allowed_addresses("shop.example", addresses, [ip_network("10.0.0.0/8")]) == [
        "10.0.0.1", "93.184.216.34", "2606:4700::1"]
    records = [{"host": "192.168.0.9"}, {"host": "8.8.8.8"}]
    assert allowed_addresses("dns.example", records, address=lambda r: r["host"]) == [{"host": "8.8.8.8"}]
    with pytest.raises(TargetRefused, match="private") as refused:
        allowed_addresses("lan.example", ["10.0.0.1", "127.0.0.1"])
    assert "loopback" not in str(refused.value)  # the first refusal's reason
    with pytest.raises(TargetRefused, match="nothing.example has no address"):
        allowed_addresses("nothing.example", [])


def test_parse_networks() -> None:
    assert parse_networks("") == ()
    assert parse_networks(" , ") == ()
    assert parse_networks("127.0.0.1/8,::1") == (ip_network("127.0.0.0/8"), ip_network("::1/128"))
    with pytest.raises(ValueError, match="not a network"):
        parse_networks("127.0.0.0/8, localhost")


@pytest.mark.parametrize(
    ("host", "address"),
    [("127.0.0.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
     ("0x7f000001", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
     ("127.1", "127.0.0.1"), ("[::1]", "::1"), ("::ffff:7f00:1", "::ffff:7f00:1"), ("fe80::1%eth0", "fe80::1"),
     ("example.com", None), ("deadbeef", None), ("1e100.net", None), ("127.0.0.1 x", None)],
)
def test_literal_address_reads_every_spelling(host: str, address: str | None) -> None:
    expected = ip_address(address) if address else None
    assert literal_address(host) == expected


async def test_resolver_drops_refused_addresses() -> None:
    resolver = GuardedResolver(ThreadedResolver(), parse_networks("127.0.0.0/8"))
    results = await resolver.resolve("localhost", 80, socket.AF_UNSPEC)
    assert results
    assert {r["host"] for r in results} == {"127.0.0.1"}
    await resolver.close()


async def test_resolver_refuses_when_nothing_is_left() -> None:
    resolver = GuardedResolver(ThreadedResolver())
    with pytest.raises(TargetRefused, match=r"is not allowed \(loopback\)"):
        await resolver.resolve("localhost", 80, socket.AF_UNSPEC)
    with pytest.raises(TargetRefused, match=r"target address 127.0.0.1 is not allowed \(loopback\)"):
        await resolver.resolve("0x7f.1", 80, socket.AF_UNSPEC)  # a number: refused without any lookup
    await resolver.close()


async def test_socket_factory_refuses_before_any_packet() -> None:
    """The last line of defence alone (no guarded resolver, no literal check) stops an IP literal."""
    accepted = 0

    async def count(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        writer.close()

    canary = await asyncio.start_server(count, "127.0.0.1", 0)
    port = canary.sockets[0].getsockname()[1]
    connector = aiohttp.TCPConnector(force_close=True, socket_factory=guarded_socket_factory())
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            await session.get(f"http://127.0.0.1:{port}/")
    assert isinstance(caught.value.__cause__, TargetRefused)
    assert str(caught.value.__cause__) == "target address 127.0.0.1 is not allowed (loopback)"
    canary.close()
    await canary.wait_closed()
    assert accepted == 0
