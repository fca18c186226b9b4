"""The real worker, in-process, against real Redis and real targets: what lands in the streams."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis.asyncio as aioredis
from aiohttp import web

from uptick_checker.settings import CheckerSettings
from uptick_checker.worker import Checker
from uptick_common.redis import ensure_group
from uptick_common.streams import (
    CHECKS_GROUP,
    RESULTS_STREAM,
    CheckJob,
    CheckResult,
    checks_stream,
    dead_letter_stream,
    job_id,
)

REGION = "test-region"
STREAM = checks_stream(REGION)


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def target(serve) -> str:
    async def ok(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def fail(_: web.Request) -> web.Response:
        return web.Response(status=503)

    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(float(_.query.get("s", "1")))
        return web.Response(text="late but fine")

    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_get("/fail", fail)
    app.router.add_get("/slow", slow)
    return await serve(app)


def settings(redis_url: str, **overrides: Any) -> CheckerSettings:
    values: dict[str, Any] = {
        "region": REGION, "redis_url": redis_url, "consumer_name": "checker-1",
        "checker_allowed_networks": "127.0.0.0/8", "shutdown_grace_seconds": 5.0,
    }
    return CheckerSettings(**{**values, **overrides})


def make_job(monitor_id: int, url: str, timeout: float = 5.0) -> CheckJob:
    scheduled_ms = int(time.time() * 1000)
    return CheckJob(job_id=job_id(monitor_id, REGION, scheduled_ms), monitor_id=monitor_id, region=REGION,
                    scheduled_ms=scheduled_ms, url=url, timeout_seconds=timeout)


async def add_jobs(client: aioredis.Redis, *jobs: CheckJob) -> None:
    await ensure_group(client, STREAM, CHECKS_GROUP)  # as the poller would: a group from the start
    for job in jobs:
        await client.xadd(STREAM, job.fields())


@asynccontextmanager
async def running(config: CheckerSettings) -> AsyncIterator[tuple[Checker, asyncio.Task[None]]]:
    worker = await Checker.create(config)
    task = asyncio.create_task(worker.run())
    try:
        yield worker, task
    finally:
        worker.request_stop()
        try:
            await asyncio.wait_for(task, 30)
        finally:
            await worker.close()


async def results(client: aioredis.Redis, count: int, timeout: float = 15) -> dict[int, CheckResult]:
    """The results in `uptick:results` once there are `count`, by monitor id."""
    async with asyncio.timeout(timeout):
        while True:
            entries = await client.xrange(RESULTS_STREAM)
            if len(entries) >= count:
                return {r.monitor_id: r for r in (CheckResult.from_fields(fields) for _, fields in entries)}
            await asyncio.sleep(0.02)


async def eventually(count: Callable[[], Awaitable[int]], at_least: int, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if await count() >= at_least:
                return
            await asyncio.sleep(0.01)


async def pending(client: aioredis.Redis) -> int:
    return int((await client.xpending(STREAM, CHECKS_GROUP))["pending"])


async def test_one_result_per_job_and_every_job_acknowledged(redis_url, client, target, raw_server) -> None:
    silent = await raw_server()
    jobs = [make_job(1, f"{target}/ok"), make_job(2, f"{target}/fail"), make_job(3, f"{target}/ok?token=s3cret"),
            make_job(4, "http://169.254.169.254/"), make_job(5, f"http://127.0.0.1:{silent.port}/", timeout=0.3)]
    await add_jobs(client, *jobs)
    async with running(settings(redis_url)):
        found = await results(client, len(jobs))
    assert await client.xlen(RESULTS_STREAM) == len(jobs)
    assert await pending(client) == 0
    for job in jobs:
        result = found[job.monitor_id]
        assert (result.job_id, result.region, result.scheduled_ms) == (job.job_id, REGION, job.scheduled_ms)
        assert result.checked_ms >= job.scheduled_ms
        assert result.latency_ms is not None
    assert (found[1].status, found[1].http_status, found[1].error) == ("up", 200, None)
    assert (found[2].status, found[2].http_status, found[2].error) == ("down", 503, "HTTP 503")
    assert found[3].status == "up"
    assert (found[4].status, found[4].error) == (
        "down", "target address 169.254.169.254 is not allowed (link-local, cloud metadata)")
    assert (found[5].status, found[5].error) == ("down", "timeout after 0.3s")


async def test_a_job_left_by_a_dead_consumer_is_reclaimed_and_checked(redis_url, client, target) -> None:
    job = make_job(7, f"{target}/ok")
    await add_jobs(client, job)
    taken = await client.xreadgroup(CHECKS_GROUP, "dead-checker", {STREAM: ">"}, count=1)
    assert len(taken[0][1]) == 1  # delivered to a consumer that will never acknowledge it
    await asyncio.sleep(2.1)  # longer than claim_idle_ms: the job is now the dead consumer's stale job
    async with running(settings(redis_url, claim_idle_ms=2000, max_timeout_seconds=1.9)):
        found = await results(client, 1)
    assert (found[7].job_id, found[7].status) == (job.job_id, "up")
    assert await client.xlen(RESULTS_STREAM) == 1
    assert await pending(client) == 0


async def test_malformed_jobs_go_to_the_dead_letter_stream_at_once(redis_url, client, target) -> None:
    await client.xadd(STREAM, {"data": "not json"})
    await client.xadd(STREAM, {"something": "else"})
    await client.xadd(STREAM, make_job(8, f"{target}/ok", timeout=-1).fields())
    await add_jobs(client, make_job(9, f"{target}/ok"))
    async with running(settings(redis_url)):
        found = await results(client, 1)
        await eventually(lambda: client.xlen(dead_letter_stream(STREAM)), 3)
    assert list(found) == [9]
    dead = await client.xrange(dead_letter_stream(STREAM))
    assert len(dead) == 3
    assert all(fields[b"dead_reason"].startswith(b"malformed job: ") for _, fields in dead)
    assert await pending(client) == 0


async def test_stop_finishes_in_flight_checks_within_the_grace_period(redis_url, client, target) -> None:
    await add_jobs(client, make_job(10, f"{target}/slow?s=0.5"))
    async with running(settings(redis_url)) as (worker, _):
        await eventually(lambda: pending(client), 1)  # the check has started
        worker.request_stop()
    found = await results(client, 1, timeout=0)
    assert (found[10].status, found[10].http_status) == ("up", 200)
    assert await pending(client) == 0


async def test_checks_outliving_the_grace_period_are_cancelled_and_stay_pending(redis_url, client, raw_server) -> None:
    silent = await raw_server()
    await add_jobs(client, make_job(11, f"http://127.0.0.1:{silent.port}/", timeout=30))
    async with running(settings(redis_url, shutdown_grace_seconds=0.2)) as (worker, task):
        await eventually(lambda: pending(client), 1)
        worker.request_stop()
        await asyncio.wait_for(task, 5)  # well before the check would have ended
    assert await client.xlen(RESULTS_STREAM) == 0
    assert await pending(client) == 1  # for another checker to reclaim


class RedisOutage:
    """A TCP proxy in front of Redis that the test can cut (dropping every connection) and restore."""

    def __init__(self, redis_url: str) -> None:
        parts = urlsplit(redis_url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self._path = parts.path
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}{self._path}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        self._writers.update((writer, up_writer))
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        self._writers.difference_update((writer, up_writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def test_redis_going_away_is_waited_out(redis_url, client, target) -> None:
    proxy = RedisOutage(redis_url)
    await proxy.start()
    try:
        async with running(settings(redis_url=proxy.url)) as (_, task):
            await add_jobs(client, make_job(12, f"{target}/ok"))
            await results(client, 1)
            await proxy.cut()
            await add_jobs(client, make_job(13, f"{target}/ok"))
            await asyncio.sleep(1.5)  # reads fail meanwhile
            assert not task.done()
            await proxy.start()
            found = await results(client, 2, timeout=30)
        assert found[13].status == "up"
        assert await pending(client) == 0
    finally:
        await proxy.cut()


@pytest.fixture
async def flaky_target(serve) -> tuple[str, list[int]]:
    """Answers 503 to the first request of each path, then 200: a blip a re-check sees through."""
    seen: dict[str, int] = {}
    calls: list[int] = []

    async def blip(request: web.Request) -> web.Response:
        seen[request.path] = seen.get(request.path, 0) + 1
        calls.append(seen[request.path])
        return web.Response(status=503) if seen[request.path] == 1 else web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/{name}", blip)
    return await serve(app), calls


async def test_a_first_failure_is_rechecked_before_it_counts(redis_url, client, flaky_target) -> None:
    url, calls = flaky_target
    first_failure = make_job(21, f"{url}/a").model_copy(update={"confirm_failure": True})
    already_down = make_job(22, f"{url}/b")  # its region saw it down last time: no re-check
    await add_jobs(client, first_failure, already_down)
    async with running(settings(redis_url)):
        found = await results(client, 2)
    assert (found[21].status, found[21].http_status) == ("up", 200)  # the blip did not count
    assert (found[22].status, found[22].error) == ("down", "HTTP 503")
    assert sorted(calls) == [1, 1, 2]
