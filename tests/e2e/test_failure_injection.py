"""Failure injection: every scheduled job still ends as exactly one tick while the run, at random moments,
kills -9 each worker kind (poller, checker, ingest), restarts Redis (append-only file) and Postgres, and
pauses a region's checkers (SIGSTOP … SIGCONT).

The Redis and Postgres restarted here are private to the test (the machine's shared servers are never
touched). The ledger is every job the poller added to `uptick:checks:<region>` (nothing trims those
streams yet); at the end the poller stops, everything drains, and the ledger must equal the stored ticks.
The moments are random (the seed is printed, `UPTICK_FAILURE_SEED` repeats a run); the assertions are not.

Short by default (part of `make test`); `make bench` runs the same scenario as a long soak by setting
`UPTICK_FAILURE_SECONDS` (and `UPTICK_FAILURE_MONITORS`, `UPTICK_FAILURE_REPORT`: a JSON summary).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from tests.e2e.helpers import (
    FAST,
    MultiTarget,
    PrivatePostgres,
    backlogs,
    eventually,
    insert_monitors,
    ledger,
    running_stack,
    sign_up_and_log_in,
    stored_tick_keys,
)
from uptick_common.db.engine import create_engine
from uptick_common.db.migrate import upgrade
from uptick_devstack.infra import EmbeddedRedis, ensure_database
from uptick_devstack.stack import Stack

REGIONS = ("eu-west", "us-east")
CHAOS_SECONDS = float(os.environ.get("UPTICK_FAILURE_SECONDS", "35"))
MONITORS = int(os.environ.get("UPTICK_FAILURE_MONITORS", "120"))
INTERVAL = 10
WORKERS = ("poller", "ingest", *(f"checker-{r}" for r in REGIONS))
DRAIN_TIMEOUT = 60.0


@pytest.fixture
async def chaos_stack(private_postgres: PrivatePostgres, private_redis: EmbeddedRedis,
                      jwt_keys: tuple[Path, Path], tmp_path: Path) -> AsyncIterator[Stack]:
    database_url = private_postgres.url("uptick")
    ensure_database(database_url)
    await asyncio.to_thread(upgrade, database_url)
    async with running_stack(database_url=database_url, redis_url=private_redis.url, jwt_keys=jwt_keys,
                             folder=tmp_path, overrides=FAST, regions=REGIONS) as running:
        try:
            yield running
        finally:
            if folder := os.environ.get("UPTICK_FAILURE_LOGS"):
                await asyncio.to_thread(Path(folder, "stack.log").write_text, running.logs.text())


class Chaos:
    """The faults, one at a time at random moments, with a record of what was done and how long it took."""

    def __init__(self, stack: Stack, postgres: PrivatePostgres, redis: EmbeddedRedis, rng: random.Random) -> None:
        self.stack, self.postgres, self.redis, self.rng = stack, postgres, redis, rng
        self.events: list[dict[str, object]] = []
        self.killed: set[str] = set()

    def plan(self, seconds: float) -> list[tuple[float, str]]:
        """Every fault once per round (about 35 s each), in random order, at random moments."""
        faults = [*(f"kill:{w}" for w in WORKERS), "restart:redis", "restart:postgres",
                  *(f"pause:{r}" for r in REGIONS)]
        rounds = max(1, round(seconds / 35))
        span = seconds / rounds
        moments: list[tuple[float, str]] = []
        for n in range(rounds):
            order = self.rng.sample(faults, len(faults))
            slot = span / len(order)
            moments += [(n * span + i * slot + self.rng.uniform(0, slot / 3), f) for i, f in enumerate(order)]
        return moments

    async def run(self, seconds: float) -> None:
        started = time.monotonic()
        for at, fault in self.plan(seconds):
            await asyncio.sleep(max(0.0, started + at - time.monotonic()))
            began = time.monotonic()
            kind, _, what = fault.partition(":")
            detail = await getattr(self, f"_{kind}")(what)
            self.events.append({"at_s": round(began - started, 2), "at_ms": int(time.time() * 1000) - int(
                (time.monotonic() - began) * 1000), "fault": fault,
                                "took_s": round(time.monotonic() - began, 2), **detail})

    async def _kill(self, name: str) -> dict[str, object]:
        self.stack.kill(name, signal.SIGKILL)
        code = await self.stack.wait_exit(name)
        self.killed.add(name)
        down = self.rng.uniform(0.2, 3.0)
        await asyncio.sleep(down)
        await self.stack.start_service(name)
        await self.stack.wait_ready([name], timeout=60)
        return {"exit_code": code, "down_s": round(down, 2)}

    async def _restart(self, server: str) -> dict[str, object]:
        down = self.rng.uniform(1.0, 4.0)
        if server == "redis":
            await asyncio.to_thread(self.redis.stop)  # SIGTERM: the append-only file is flushed
            await asyncio.sleep(down)
            await asyncio.to_thread(self.redis.start)
            return {"down_s": round(down, 2)}
        mode = self.rng.choice(["fast", "immediate"])  # a clean shutdown, or as if it crashed
        await asyncio.to_thread(self.postgres.stop, mode)
        await asyncio.sleep(down)
        await asyncio.to_thread(self.postgres.start)
        return {"down_s": round(down, 2), "mode": mode}

    async def _pause(self, region: str) -> dict[str, object]:
        names = [n for n in self.stack.services if n.startswith(f"checker-{region}")]
        paused = self.rng.uniform(1.0, 6.0)  # sometimes longer than UPTICK_CLAIM_IDLE_MS
        for name in names:
            self.stack.kill(name, signal.SIGSTOP)
        await asyncio.sleep(paused)
        for name in names:
            self.stack.kill(name, signal.SIGCONT)
        return {"paused_s": round(paused, 2), "checkers": names}


@pytest.mark.timeout(CHAOS_SECONDS + 150)
async def test_every_job_is_one_tick_through_kills_restarts_and_pauses(
        chaos_stack: Stack, private_postgres: PrivatePostgres, private_redis: EmbeddedRedis, tmp_path: Path) -> None:
    seed = int(os.environ.get("UPTICK_FAILURE_SEED") or random.randrange(1 << 31))
    print(f"failure-injection seed: {seed} (UPTICK_FAILURE_SEED={seed} repeats the moments)")
    stack = chaos_stack
    target = MultiTarget()
    await target.start()
    engine = create_engine(private_postgres.url("uptick"), pool_size=2)
    redis = aioredis.Redis.from_url(private_redis.url)
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
            auth = await sign_up_and_log_in(client, "chaos@example.com", "a long enough password")
            me = (await client.get("/api/auth/me", headers=auth)).json()
        await insert_monitors(engine, me["id"], [target.url(n) for n in range(MONITORS)], interval=INTERVAL,
                              timeout=2, regions=REGIONS)
        await eventually(lambda: stored_tick_keys(engine), timeout=30)  # the pipeline is flowing

        chaos = Chaos(stack, private_postgres, private_redis, random.Random(seed))
        started = time.monotonic()
        await chaos.run(CHAOS_SECONDS)
        chaos_s = time.monotonic() - started

        # What the run killed it started again: whatever is not running now stopped by itself.
        assert not stack.crashed(), f"exited by themselves: {stack.crashed()}"
        stack.kill("poller", signal.SIGTERM)  # no new jobs from here on
        assert await stack.wait_exit("poller") == 0
        drain_started = time.monotonic()

        async def empty() -> bool:
            return not any((await backlogs(redis, REGIONS)).values())

        await eventually(empty, timeout=DRAIN_TIMEOUT)
        drain_s = time.monotonic() - drain_started
        jobs = await ledger(redis, REGIONS)
        ticks = await stored_tick_keys(engine)
        lost, extra = set(jobs) - set(ticks), set(ticks) - set(jobs)
        summary = {
            "seed": seed, "chaos_seconds": round(chaos_s, 1), "drain_seconds": round(drain_s, 1),
            "monitors": MONITORS, "regions": list(REGIONS), "jobs_scheduled": len(jobs),
            "jobs_added_twice": sum(1 for n in jobs.values() if n > 1), "ticks_stored": sum(ticks.values()),
            "lost": len(lost), "extra": len(extra), "stored_twice": sum(1 for n in ticks.values() if n > 1),
            "faults": chaos.events, "target_hits": target.hits, "lost_jobs": sorted(lost)[:50],
        }
        print(json.dumps(summary, indent=1))
        if report := os.environ.get("UPTICK_FAILURE_REPORT"):
            await asyncio.to_thread(Path(report).write_text, json.dumps(summary, indent=1))
        assert len(jobs) >= MONITORS * len(REGIONS) * 2  # at least two rounds were scheduled
        assert not lost and not extra, f"lost: {sorted(lost)[:5]}, extra: {sorted(extra)[:5]}"
        assert max(ticks.values()) == 1
    finally:
        await redis.aclose()
        await engine.dispose()
        await target.stop()
