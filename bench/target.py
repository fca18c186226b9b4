"""A fast HTTP target on many loopback addresses: one socket per address, so that every monitor's URL
differs by host and per-host rate limits do not hide the pipeline. Every answer is a minimal 200 with
`Connection: close` (each check opens a connection of its own, as a real one does).

    python -m bench.target --port 18080 --hosts 1012 --processes 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import signal
import socket
import subprocess
import sys
import time

RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def loopback_hosts(count: int) -> list[str]:
    """127.0.b.c for c in 2..254, b = 0, 1, 2…: all route to lo on Linux (127.0.0.1 stays the services')."""
    return [f"127.0.{n // 253}.{n % 253 + 2}" for n in range(count)]


class Answer(asyncio.Protocol):
    __slots__ = ("transport", "seen")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.seen = b""

    def data_received(self, data: bytes) -> None:
        self.seen += data
        if b"\r\n\r\n" in self.seen:
            self.transport.write(RESPONSE)  # type: ignore[attr-defined]
            self.transport.close()
        elif len(self.seen) > 65536:
            self.transport.close()


async def serve(port: int, hosts: list[str]) -> None:
    loop = asyncio.get_running_loop()
    servers = []
    for host in hosts:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        servers.append(await loop.create_server(Answer, sock=sock, backlog=4096))
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    for server in servers:
        server.close()


class TargetFarm:
    """`processes` target processes sharing one port on every address (SO_REUSEPORT spreads connections)."""

    def __init__(self, port: int, hosts: int, processes: int = 2) -> None:
        self.port, self.hosts, self.count = port, loopback_hosts(hosts), processes
        self.processes: list[subprocess.Popen[bytes]] = []

    def url(self, n: int, path: str = "/health") -> str:
        return f"http://{self.hosts[n % len(self.hosts)]}:{self.port}{path}?m={n}"

    def start(self) -> None:
        for _ in range(self.count):
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "bench.target", "--port", str(self.port), "--hosts", str(len(self.hosts))]))
        deadline = time.monotonic() + 30
        for host in (self.hosts[0], self.hosts[-1]):
            while True:
                try:
                    with socket.create_connection((host, self.port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                        raise RuntimeError("the bench target did not start") from None
                    time.sleep(0.1)
        time.sleep(0.5)  # every process has bound every address by now

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes = []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hosts", type=int, default=253)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    import uvloop

    uvloop.run(serve(args.port, loopback_hosts(args.hosts)))


if __name__ == "__main__":
    main()
