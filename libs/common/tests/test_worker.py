"""The worker base, in-process, with a real Redis and a real SIGTERM: health before dependencies, the drain
within the grace period, retryable faults waited out, a bug never swallowed."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
import redis.asyncio as aioredis

from uptick_common.faults import Retryable
from uptick_common.redis import create_redis
from uptick_common.settings import WorkerSettings
from uptick_common.worker import Worker, serve
from uptick_devstack.infra import free_port


class Job(Worker[WorkerSettings]):
    """One piece of work in flight: `seconds` long, then it sets a key that the test reads."""

    def __init__(self, settings: WorkerSettings, redis: aioredis.Redis, seconds: float) -> None:
        super().__init__(settings, redis=redis)
        self.seconds, self.started_work = seconds, asyncio.Event()

    async def step(self) -> float:
        if not self.started_work.is_set():
            self.started_work.set()
            self.spawn(self._work())
        return 0.05

    async def _work(self) -> None:
        await asyncio.sleep(self.seconds)
        assert self.redis is not None
        await self.redis.set("job:done", "yes")


def settings(redis_url: str, grace: float = 5.0) -> WorkerSettings:
    return WorkerSettings(redis_url=redis_url, health_host="127.0.0.1", health_port=free_port(),
                          shutdown_grace_seconds=grace)


@asynccontextmanager
async def serving(config: WorkerSettings, seconds: float = 0.0) -> AsyncIterator[tuple[asyncio.Task[None], list[Job]]]:
    made: list[Job] = []

    def factory(s: WorkerSettings) -> Job:
        made.append(Job(s, create_redis(s.redis_url), seconds))
        return made[-1]

    task = asyncio.create_task(serve("test", config, factory))
    try:
        yield task, made
    finally:
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def get(port: int, path: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session, \
            session.get(f"http://127.0.0.1:{port}{path}") as answer:
        return answer.status, await answer.json()


async def until_answered(port: int, path: str) -> tuple[int, dict[str, object]]:
    async with asyncio.timeout(5):
        while True:
            try:
                return await get(port, path)
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.02)


async def test_health_answers_before_the_dependencies_and_readiness_names_the_one_away() -> None:
    config = settings(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    async with serving(config) as (task, made):
        assert await until_answered(config.health_port, "/healthz") == (200, {"status": "ok"})
        status, body = await get(config.health_port, "/readyz")
        assert status == 503 and body["status"] == "unavailable" and "redis" in body["failures"]  # type: ignore[operator]
        assert not made[0].started_work.is_set()  # no work before the dependencies answer
        os.kill(os.getpid(), signal.SIGTERM)  # a stop while waiting for them ends the wait
        await asyncio.wait_for(task, 5)


async def test_sigterm_lets_the_work_in_flight_finish(redis_url: str, redis_client: aioredis.Redis) -> None:
    config = settings(redis_url)
    async with serving(config, seconds=0.5) as (task, made):
        assert (await until_answered(config.health_port, "/readyz"))[0] == 200
        await asyncio.wait_for(made[0].started_work.wait(), 5)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(task, 5)
    assert await redis_client.get("job:done") == b"yes"


async def test_work_outliving_the_grace_period_is_cancelled(redis_url: str, redis_client: aioredis.Redis) -> None:
    config = settings(redis_url, grace=0.2)
    async with serving(config, seconds=30) as (task, made):
        assert (await until_answered(config.health_port, "/readyz"))[0] == 200
        await asyncio.wait_for(made[0].started_work.wait(), 5)
        stopped = time.monotonic()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(task, 5)
        assert time.monotonic() - stopped < 2
    assert await redis_client.get("job:done") is None


class Flaky(Worker[WorkerSettings]):
    """Its dependency is away for its first `away` rounds; the round after that is a bug if `bug`."""

    def __init__(self, settings: WorkerSettings, away: int, bug: bool = False) -> None:
        super().__init__(settings)
        self.away, self.bug, self.rounds = away, bug, 0

    async def step(self) -> float:
        self.rounds += 1
        if self.rounds <= self.away:
            raise Retryable("postgres is away")
        if self.bug:
            raise KeyError("a bug")
        self.request_stop()
        return 0


async def test_a_retryable_fault_is_waited_out_and_a_bug_is_never_swallowed() -> None:
    flaky = Flaky(WorkerSettings(), away=3)
    await asyncio.wait_for(flaky.run(), 10)
    assert flaky.rounds == 4  # tried again after each fault, then done
    with pytest.raises(KeyError):
        await asyncio.wait_for(Flaky(WorkerSettings(), away=1, bug=True).run(), 10)


async def test_wait_out_retries_until_done_and_gives_up_only_on_a_stop() -> None:
    worker = Flaky(WorkerSettings(), away=0)
    calls: list[int] = []

    async def away_twice() -> str:
        calls.append(1)
        if len(calls) <= 2:
            raise ConnectionRefusedError("connection refused")
        return "stored"

    assert await worker.wait_out("postgres", away_twice) == "stored" and len(calls) == 3

    async def away_for_good() -> None:
        raise ConnectionRefusedError("connection refused")

    waiting = asyncio.create_task(worker.wait_out("postgres", away_for_good))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    worker.request_stop()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.wait_for(waiting, 2)
