"""Helpers of the end-to-end tests: a flippable local target, log capture, polling until something holds."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from uptick_devstack.infra import free_port

# Short timings so that a dead consumer's work is reclaimed within a test.
FAST = {
    "UPTICK_CLAIM_IDLE_MS": "3000",
    "UPTICK_STREAM_RETENTION_SECONDS": "0",  # keep every job: the streams are the tests' ledger
    "UPTICK_MAX_TIMEOUT_SECONDS": "2",
    "UPTICK_TICK_SECONDS": "0.2",
    "UPTICK_SHUTDOWN_GRACE_SECONDS": "5",
    "UPTICK_LOG_FORMAT": "json",
    "UPTICK_ENV": "test",
    "UPTICK_QUOTA_MIN_INTERVAL_SECONDS": "10",  # the tests' monitors are checked every 10 s
}


class Logs:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __call__(self, service: str, line: str) -> None:
        self.lines.append((service, line))

    def text(self) -> str:
        return "\n".join(f"{s} | {line}" for s, line in self.lines)


class Target:
    """A local HTTP server for the checker to check: `ok` (200), `error` (500), or not listening at all."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "ok"
        self.hits = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    async def _handle(self, _: web.Request) -> web.Response:
        self.hits += 1
        if self.mode == "error":
            return web.Response(status=500, text="broken")
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/health", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def eventually(probe: Callable[[], Awaitable[Any]], *, timeout: float = 40, every: float = 0.5) -> Any:
    """Poll until `probe` returns something truthy; fail with its last answer after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"not reached within {timeout}s; last answer: {last!r}")


# Values a test gave the stack that must never appear in any service's log output: the `stack` fixture
# checks every line once the stack has stopped.
SECRETS: set[str] = set()


def secret(value: str) -> str:
    SECRETS.add(value)
    return value


async def sign_up_and_log_in(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    signup = await client.post("/api/auth/signup", json={"email": email, "password": secret(password)})
    assert signup.status_code == 201, signup.text
    login = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {secret(login.json()['access_token'])}"}


@asynccontextmanager
async def running_stack(*, database_url: str, redis_url: str, jwt_keys: tuple[Path, Path], folder: Path,
                        overrides: dict[str, str], regions: tuple[str, ...] = ("eu-west", "us-east"),
                        ) -> AsyncIterator[Any]:
    """Every service as its own process (as `make run` starts them), with the test's key pair; its logs are
    printed when it stops, which pytest shows only for a failed test."""
    from uptick_devstack.stack import Stack, StackConfig

    keys = folder / "keys"
    keys.mkdir()
    shutil.copy(jwt_keys[0], keys / "jwt-private.pem")
    shutil.copy(jwt_keys[1], keys / "jwt-public.pem")
    logs = Logs()
    stack = Stack(StackConfig(database_url=database_url, redis_url=redis_url, keys_dir=keys, regions=regions,
                              router_port=free_port(), overrides=overrides), logs)
    stack.logs = logs  # type: ignore[attr-defined]
    SECRETS.clear()
    try:
        await stack.start()
        yield stack
    finally:
        await stack.stop()
        print(logs.text()[-40000:])
    leaked = sorted(value for value in SECRETS if value in logs.text())
    assert not leaked, f"{len(leaked)} secret(s) the test set appear in the services' logs"


# --- Failure injection: private servers to restart, a target on many loopback addresses, the ledger ---

LOOPBACK_HOSTS = tuple(f"127.0.0.{n}" for n in range(2, 255))  # all route to lo on Linux


class MultiTarget:
    """An HTTP server answering 200 on /health on each of `hosts` (one listening socket per address), so
    that monitors' URLs differ by host as real ones do; after `delay` seconds, if one is given."""

    def __init__(self, hosts: tuple[str, ...] = LOOPBACK_HOSTS[:20], delay: float = 0.0) -> None:
        self.hosts, self.port, self.hits, self.delay = hosts, free_port(), 0, delay
        self._runner: web.AppRunner | None = None

    def url(self, n: int) -> str:
        return f"http://{self.hosts[n % len(self.hosts)]}:{self.port}/health?n={n}"

    async def _handle(self, _: web.Request) -> web.Response:
        self.hits += 1
        if self.delay:  # checks stay in flight that long
            await asyncio.sleep(self.delay)
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/health", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        for host in self.hosts:
            await web.TCPSite(self._runner, host, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class PrivatePostgres:
    """A Postgres of its own (pgserver, Unix socket only) that a test may stop and start at will, so that
    the machine's shared server is never touched. As root its data must live under /tmp (pgserver hands
    the directory to a system user and opens its parents for it)."""

    def __init__(self, prefix: str = "uptick-pg-") -> None:
        import tempfile

        self.root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))  # noqa: S108 - see the docstring
        self.pgdata = self.root / "pgdata"
        self._server: Any = None
        self._start_args: list[str] = []

    def start(self) -> None:
        """The first call creates the cluster; later ones start it again with the same socket."""
        from uptick_devstack.infra import import_pgserver

        if self._server is None:
            self._server = import_pgserver().get_server(self.pgdata, cleanup_mode=None)
            info = self._server.get_postmaster_info()
            self.socket_dir, self.port = info.socket_dir, info.port
            self._start_args = ["-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l",
                                str(self.pgdata / "log"), "start"]
            return
        self._pg_ctl(self._start_args)

    def stop(self, mode: str = "fast") -> None:
        """`fast`: connections are cut and the server shuts down cleanly; `immediate`: as if it crashed."""
        self._pg_ctl(["-w", "-m", mode, "stop"])

    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:@/{database}?host={self.socket_dir}&port={self.port}"

    def cleanup(self) -> None:
        import contextlib
        import shutil

        if self._server is not None and self.running():
            with contextlib.suppress(Exception):  # best effort: the directory goes anyway
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _pg_ctl(self, args: list[str]) -> None:
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(args, pgdata=self.pgdata, user=self._server.system_user, timeout=60)


async def ledger(redis: Any, regions: tuple[str, ...]) -> Counter[str]:
    """Every job the poller ever added (the tests keep every job: no stream retention): job id → times added."""
    from uptick_common.streams import CheckJob, checks_stream

    jobs: Counter[str] = Counter()
    for region in regions:
        for _, fields in await redis.xrange(checks_stream(region)):
            jobs[CheckJob.from_fields(fields).job_id] += 1
    return jobs


async def stored_tick_keys(engine: Any) -> Counter[str]:
    """Every stored tick, by the job it came from: (monitor, region, scheduled time in ms)."""
    from sqlalchemy import text

    async with engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT monitor_id || ':' || region || ':' || (extract(epoch FROM scheduled_at) * 1000)::bigint"
            " FROM ticks"))
        return Counter(row[0] for row in rows)


async def backlogs(redis: Any, regions: tuple[str, ...]) -> dict[str, int]:
    """Undelivered + unacknowledged messages of every group, and what sits in the dead-letter streams."""
    from uptick_common.redis import backlog
    from uptick_common.streams import CHECKS_GROUP, RESULTS_GROUP, RESULTS_STREAM, checks_stream, dead_letter_stream

    groups = [(checks_stream(r), CHECKS_GROUP) for r in regions] + [(RESULTS_STREAM, RESULTS_GROUP)]
    sizes = {stream: (await backlog(redis, stream, group)).total for stream, group in groups}
    for stream, _ in groups:
        sizes[dead_letter_stream(stream)] = await redis.xlen(dead_letter_stream(stream))
    return sizes


async def insert_monitors(engine: Any, user_id: int, urls: list[str], *, interval: int, timeout: int,
                          regions: tuple[str, ...]) -> None:
    """Monitors straight into Postgres (many at once), each first due at its own slot of its interval."""
    from sqlalchemy import text

    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO monitors (user_id, name, url, interval_seconds, timeout_seconds, regions, next_due_at)"
            " SELECT :user_id, 'm' || n, url, :interval, :timeout, :regions,"
            "        now() + (n % :interval) * interval '1 second' + random() * interval '1 second'"
            " FROM unnest(CAST(:urls AS text[])) WITH ORDINALITY AS u(url, n)"),
            {"user_id": user_id, "urls": urls, "interval": interval, "timeout": timeout, "regions": list(regions)})
