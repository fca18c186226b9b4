"""Target safety through the real pipeline, as in production (no allowed networks): monitors of loopback in
any spelling and of the cloud metadata address are accepted by the API (refusal is at check time, on the
address connected to), checked from every region, and shown `down` with the refusal as the reason, while
the canary listening on loopback receives not a single connection. Redirect hops are refused the same
way; they need an allowed first host, so they are tested at the checker level
(services/checker/tests/test_target_safety.py)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.helpers import FAST, eventually, sign_up_and_log_in

LOOPBACK = "is not allowed (loopback)"


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    return {**FAST, "UPTICK_CHECKER_ALLOWED_NETWORKS": ""}  # as production: nothing but public addresses


class Canary:
    """Listens on 127.0.0.1 (and ::1 where there is IPv6) on one port; counts every connection accepted."""

    def __init__(self) -> None:
        self.accepted = 0
        self.port = 0
        self._servers: list[asyncio.Server] = []

    async def _count(self, _: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        writer.close()

    async def start(self) -> None:
        v4 = await asyncio.start_server(self._count, "127.0.0.1", 0)
        self._servers.append(v4)
        self.port = v4.sockets[0].getsockname()[1]
        try:
            self._servers.append(await asyncio.start_server(self._count, "::1", self.port, family=socket.AF_INET6))
        except OSError:
            pass  # no IPv6 loopback here: localhost is 127.0.0.1 only

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
            await server.wait_closed()


@pytest.fixture
async def canary() -> AsyncIterator[Canary]:
    running = Canary()
    await running.start()
    yield running
    await running.stop()


async def test_private_targets_are_down_with_the_refusal_and_never_reached(stack, canary: Canary) -> None:
    port = canary.port
    cases = {  # url → how the reason ends
        f"http://127.0.0.1:{port}/": "target address 127.0.0.1 " + LOOPBACK,
        f"http://localhost:{port}/health": LOOPBACK,  # 127.0.0.1 or ::1, whichever the resolver gave first
        f"http://2130706433:{port}/": "target address 127.0.0.1 " + LOOPBACK,
        f"http://0x7f.1:{port}/": "target address 127.0.0.1 " + LOOPBACK,
        f"http://[::ffff:127.0.0.1]:{port}/": "target address ::ffff:127.0.0.1 is not allowed (IPv4-mapped loopback)",
        f"http://[::1]:{port}/": "target address ::1 " + LOOPBACK,
        "http://169.254.169.254/latest/meta-data/":
            "target address 169.254.169.254 is not allowed (link-local, cloud metadata)",
    }
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        auth = await sign_up_and_log_in(client, "mallory@example.com", "a long enough password")
        ids = {}
        for url in cases:
            created = await client.post("/api/monitors", headers=auth, json={
                "url": url, "interval_seconds": 10, "timeout_seconds": 2})
            assert created.status_code == 201, created.text  # accepted: the refusal is the checker's
            ids[url] = created.json()["id"]

        async def all_refused() -> dict[str, dict] | None:
            seen = {url: (await client.get(f"/api/monitors/{n}", headers=auth)).json() for url, n in ids.items()}
            done = all(s["status"] == "down" and set(s["region_status"]) == {"eu-west", "us-east"}
                       for s in seen.values())
            return seen if done else None

        summaries = await eventually(all_refused, timeout=45)
        for url, summary in summaries.items():
            reason = cases[url]
            assert summary["last_error"].startswith("target address ") and summary["last_error"].endswith(reason), url
            for region in summary["region_status"].values():
                assert (region["status"], region["http_status"]) == ("down", None), url
                assert region["error"].endswith(reason), url
            ticks = (await client.get(f"/api/monitors/{ids[url]}/ticks", headers=auth)).json()["items"]
            assert ticks and all(t["status"] == "down" and t["error"].endswith(reason) for t in ticks), url

    assert canary.accepted == 0
    assert not stack.crashed()
