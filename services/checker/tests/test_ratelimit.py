"""A bounded rate per target host: the bucket on its own (a fake clock), then through the real worker,
where a host's checks are spread out, other hosts are not slowed, and jobs past the longest wait are
checked at once and counted: never dropped."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import REGISTRY

from uptick_checker.ratelimit import HostRateLimiter, host_key
from uptick_checker.settings import CheckerSettings
from uptick_common.streams import RESULTS_STREAM, CheckResult

from .test_worker import REGION, add_jobs, make_job, pending, running, settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_rate_and_each_host_has_its_own_bucket() -> None:
    clock = Clock()
    limiter = HostRateLimiter(10, 3, 1.0, clock=clock)
    assert [limiter.reserve("a.example") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert [round(limiter.reserve("a.example") or -1, 3) for _ in range(3)] == [0.1, 0.2, 0.3]
    assert limiter.reserve("b.example") == 0.0  # another host: not slowed by a's queue
    clock.now += 0.3
    assert round(limiter.reserve("a.example") or -1, 3) == 0.1  # the slots given out are kept
    clock.now += 10
    assert [limiter.reserve("a.example") for _ in range(3)] == [0.0, 0.0, 0.0]  # idle: a full burst again


def test_a_slot_further_than_the_longest_wait_is_refused_and_not_taken() -> None:
    clock = Clock()
    limiter = HostRateLimiter(2, 2, 1.0, clock=clock)
    assert [limiter.reserve("a.example") for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]
    assert limiter.reserve("a.example") is None
    assert limiter.reserve("a.example") is None  # a refusal takes nothing: the queue did not grow
    clock.now += 0.5
    assert limiter.reserve("a.example") == 1.0


def test_no_limit_and_no_host() -> None:
    limiter = HostRateLimiter(0, 1, 0.0)
    assert all(limiter.reserve("a.example") == 0.0 for _ in range(1000))
    assert len(limiter) == 0
    assert HostRateLimiter(1, 1, 0.0).reserve(None) == 0.0


def test_memory_holds_only_recent_hosts_and_never_more_than_the_cap() -> None:
    clock = Clock()
    limiter = HostRateLimiter(10, 5, 1.0, max_hosts=100, clock=clock)
    for n in range(1000):
        limiter.reserve(f"host-{n}.example")
        limiter.reserve(f"host-{n}.example")
    assert len(limiter) <= 100
    clock.now += 60  # every host idle: all forgotten as soon as reservations go on
    for _ in range(100):
        limiter.reserve("busy.example")
    assert len(limiter) == 1


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://Example.COM./a?b=c", "example.com"),
        ("http://example.com:8080/", "example.com"),
        ("http://user:pw@example.com/", "example.com"),
        ("http://2130706433:81/", "127.0.0.1"),
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://[::FFFF:127.0.0.1]/", "127.0.0.1"),
        ("http://[2001:DB8::1]:8080/", "2001:db8::1"),
        ("http://bücher.example/", "xn--bcher-kva.example"),
        ("not a url", None),
        ("http://", None),
    ],
)
def test_the_host_a_url_is_limited_by(url: str, key: str | None) -> None:
    assert host_key(url) == key


def test_the_longest_wait_stays_inside_the_claim_timeout(monkeypatch) -> None:
    monkeypatch.delenv("UPTICK_CLAIM_IDLE_MS", raising=False)
    monkeypatch.delenv("UPTICK_MAX_TIMEOUT_SECONDS", raising=False)
    assert CheckerSettings(region="r").host_max_wait == 10.0  # type: ignore[call-arg]
    short = CheckerSettings(region="r", claim_idle_ms=3000, max_timeout_seconds=2)  # type: ignore[call-arg]
    assert short.host_max_wait == 0.5  # a job never waits long enough to be taken over by another checker


class Recorder:
    """An HTTP target on one address that notes when each request arrived."""

    def __init__(self) -> None:
        self.times: list[float] = []

    async def handle(self, _: web.Request) -> web.Response:
        self.times.append(time.monotonic())
        return web.Response(text="ok")


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def start_recorder(serve, host: str) -> tuple[Recorder, str]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_get("/", recorder.handle)
    return recorder, await serve(app, host=host) + "/"


async def results(client: aioredis.Redis) -> list[CheckResult]:
    return [CheckResult.from_fields(fields) for _, fields in await client.xrange(RESULTS_STREAM)]


async def wait_for_results(client: aioredis.Redis, count: int, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if len(await results(client)) >= count:
                return
            await asyncio.sleep(0.05)


async def test_one_hosts_checks_are_spread_out_and_another_host_is_not_slowed(redis_url, client, serve) -> None:
    rate, burst, hammered, other = 10.0, 5, 35, 5
    busy, busy_url = await start_recorder(serve, "127.0.0.1")
    quiet, quiet_url = await start_recorder(serve, "127.0.0.2")
    await add_jobs(client, *(make_job(n, busy_url) for n in range(hammered)),
                   *(make_job(1000 + n, quiet_url) for n in range(other)))
    config = settings(redis_url, host_rate_per_second=rate, host_burst=burst, host_max_wait_seconds=10)
    async with running(config):
        await wait_for_results(client, hammered + other, timeout=15)
    assert await pending(client) == 0
    assert all(r.status == "up" for r in await results(client))

    times = sorted(busy.times)
    assert len(times) == hammered
    for i in range(len(times)):  # in any window, at most a burst plus the rate over its length, and slack
        for j in range(i + 1, len(times)):  # for a stalled event loop letting a few due checks go at once
            assert j - i + 1 <= burst + rate * (times[j] - times[i]) + 5, (i, j, times[j] - times[i])
    assert times[-1] - times[0] >= 0.8 * (hammered - burst) / rate  # it really was spread out
    assert len(quiet.times) == other
    assert max(quiet.times) < times[burst + int(rate)]  # not queued behind the busy host: done in its first second


async def test_jobs_beyond_the_longest_wait_are_checked_at_once_and_counted(redis_url, client, serve) -> None:
    def over_rate() -> float:
        return REGISTRY.get_sample_value("uptick_checks_over_host_rate_total", {"region": REGION}) or 0

    before = over_rate()
    busy, url = await start_recorder(serve, "127.0.0.1")
    await add_jobs(client, *(make_job(n, url) for n in range(10)))
    config = settings(redis_url, host_rate_per_second=2, host_burst=2, host_max_wait_seconds=1)
    async with running(config):
        await wait_for_results(client, 10, timeout=10)
    checked = await results(client)
    assert sorted(r.monitor_id for r in checked) == list(range(10))  # never dropped: one result per job
    assert all(r.status == "up" for r in checked)
    assert await pending(client) == 0
    assert 5 <= over_rate() - before <= 8  # read at once, 4 of the 10 fit in the burst and the longest wait
    assert len(busy.times) == 10
