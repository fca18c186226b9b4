"""The whole stack on one machine, each service its own process: used by `make run` and the end-to-end tests.

Every service gets its own free port; the router puts them behind one origin. Output of every process
goes to one sink, line by line, labelled with the service's name.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from uptick_devstack.infra import free_port, port_open

LogSink = Callable[[str, str], None]
GRACE_SECONDS = 25.0
HTTP_SERVICES = ("auth", "monitors")


@dataclass
class Service:
    name: str
    module: str
    env: dict[str, str]
    health_port: int
    args: list[str] = field(default_factory=list)
    process: asyncio.subprocess.Process | None = None
    pump: asyncio.Task[None] | None = None


@dataclass
class StackConfig:
    database_url: str
    redis_url: str
    keys_dir: Path
    regions: tuple[str, ...] = ("eu-west", "us-east")
    router_port: int = 8080
    # Settings every process gets unless the environment already says otherwise.
    defaults: dict[str, str] = field(default_factory=dict)
    # Settings forced on every process (tests use them to shorten timings).
    overrides: dict[str, str] = field(default_factory=dict)
    # Where the mail sink keeps what it receives; None: beside the keys (.run/mail for `make run`).
    mail_dir: Path | None = None


class Stack:
    def __init__(self, config: StackConfig, sink: LogSink) -> None:
        self.config, self.sink = config, sink
        self.services: dict[str, Service] = {}
        self._plan()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.config.router_port}"

    def _plan(self) -> None:
        c = self.config
        mail_port = free_port()
        common = {
            "UPTICK_LOG_FORMAT": "console",
            "UPTICK_CHECKER_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
            "UPTICK_NOTIFIER_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
            "UPTICK_SMTP_HOST": "127.0.0.1",
            "UPTICK_SMTP_PORT": str(mail_port),
            "UPTICK_PUBLIC_URL": f"http://127.0.0.1:{c.router_port}",
            **c.defaults,
            **{k: v for k, v in os.environ.items() if k.startswith("UPTICK_")},
            "UPTICK_DATABASE_URL": c.database_url,
            "UPTICK_REDIS_URL": c.redis_url,
            "UPTICK_REGIONS": ",".join(c.regions),
            "UPTICK_JWT_PRIVATE_KEY_FILE": str(c.keys_dir / "jwt-private.pem"),
            "UPTICK_JWT_PUBLIC_KEY_FILE": str(c.keys_dir / "jwt-public.pem"),
            **c.overrides,
        }
        taken = {c.router_port}

        def distinct_port() -> int:
            """free_port() may hand out a port twice before either is bound: two services would collide."""
            while (port := free_port()) in taken:
                pass
            taken.add(port)
            return port

        for name in HTTP_SERVICES:
            port = distinct_port()
            self._add(Service(name, f"uptick_{name}.main", {**common, "UPTICK_HOST": "127.0.0.1",
                                                            "UPTICK_PORT": str(port)}, port))
        workers = [("poller", "uptick_poller.main", {}), ("ingest", "uptick_ingest.main",
                                                          {"UPTICK_CONSUMER_NAME": "ingest-0"}),
                   ("notifier", "uptick_notifier.main", {})]
        workers += [(f"checker-{r}", "uptick_checker.main",
                     {"UPTICK_REGION": r, "UPTICK_CONSUMER_NAME": f"checker-{r}-0"}) for r in c.regions]
        for name, module, extra in workers:
            port = distinct_port()
            self._add(Service(name, module, {**common, **extra, "UPTICK_HEALTH_HOST": "127.0.0.1",
                                             "UPTICK_HEALTH_PORT": str(port)}, port))
        # The dashboard: pages on one port (what the router sends / to), /healthz /readyz /metrics on another.
        web_port, web_health = distinct_port(), distinct_port()
        self._add(Service("web", "uptick_web.main", {**common, "UPTICK_HOST": "127.0.0.1", "UPTICK_PORT": str(web_port),
                                                     "UPTICK_HEALTH_HOST": "127.0.0.1",
                                                     "UPTICK_HEALTH_PORT": str(web_health)}, web_health))
        mail_dir = c.mail_dir or c.keys_dir.parent / "mail"
        self._add(Service("mail", "uptick_devstack.mailsink", dict(os.environ), mail_port,
                          ["--port", str(mail_port), "--dir", str(mail_dir)]))
        upstreams = {n: f"http://127.0.0.1:{self.services[n].health_port}" for n in HTTP_SERVICES}
        upstreams["web"] = f"http://127.0.0.1:{web_port}"
        self._add(Service("router", "uptick_devstack.router", dict(os.environ), c.router_port,
                          ["--port", str(c.router_port), "--upstreams", json.dumps(upstreams)]))

    def _add(self, service: Service) -> None:
        self.services[service.name] = service

    def ports(self) -> dict[str, int]:
        """Where each process serves /metrics (the mail sink speaks only SMTP)."""
        return {name: s.health_port for name, s in self.services.items() if name != "mail"}

    async def start(self, timeout: float = 60) -> None:
        for name in self.services:
            await self.start_service(name)
        await self.wait_ready(list(self.services), timeout)

    async def start_service(self, name: str) -> None:
        service = self.services[name]
        service.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", service.module, *service.args, env=service.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        )
        service.pump = asyncio.create_task(self._pump(service))

    async def _pump(self, service: Service) -> None:
        process = service.process
        assert process is not None and process.stdout is not None
        async for raw in process.stdout:
            self.sink(service.name, raw.decode(errors="replace").rstrip("\n"))
        code = await process.wait()
        self.sink(service.name, f"[exited with code {code}]")

    async def wait_ready(self, names: list[str], timeout: float = 60) -> None:
        """Until every named service answers /readyz (the router: any answer)."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as client:
            for name in names:
                service = self.services[name]
                path = "/healthz" if name == "router" else "/readyz"
                while True:
                    if service.process is None or service.process.returncode is not None:
                        raise RuntimeError(f"{name} exited during start-up")
                    if name == "mail":  # SMTP, not HTTP: listening is ready
                        if port_open("127.0.0.1", service.health_port):
                            break
                        await asyncio.sleep(0.1)
                        continue
                    try:
                        async with client.get(f"http://127.0.0.1:{service.health_port}{path}") as answer:
                            if name == "router" or answer.status == 200:
                                break
                    except (aiohttp.ClientError, TimeoutError):
                        pass
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{name} was not ready within {timeout}s")
                    await asyncio.sleep(0.1)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.services[name].process
        if process is not None and process.returncode is None:
            process.send_signal(sig)

    async def wait_exit(self, name: str, timeout: float = GRACE_SECONDS) -> int | None:
        service = self.services[name]
        if service.process is None:
            return None
        try:
            code = await asyncio.wait_for(service.process.wait(), timeout)
        except TimeoutError:
            service.process.kill()
            code = await service.process.wait()
        if service.pump is not None:
            await service.pump
        return code

    def crashed(self) -> list[str]:
        return [n for n, s in self.services.items() if s.process is not None and s.process.returncode is not None]

    async def stop(self) -> None:
        """SIGTERM everything (the poller first, so no new work is made), then wait; SIGKILL stragglers."""
        order = ["router", "poller", *[n for n in self.services if n.startswith("checker-")], "ingest",
                 "notifier", "web", *HTTP_SERVICES, "mail"]
        for name in order:
            self.kill(name, signal.SIGTERM)
        await asyncio.gather(*(self.wait_exit(name) for name in order))
