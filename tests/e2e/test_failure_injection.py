"""Failure injection: every scheduled job still ends as exactly one tick while the run, at random moments,
kills -9 each worker kind (poller, checker, ingest, notifier), restarts Redis (append-only file) and Postgres,
and pauses a region's checkers (SIGSTOP … SIGCONT).

Meanwhile a few monitors' target keeps breaking and recovering, so that incidents open, flap and resolve
through the faults: every notification the outbox holds reaches the webhook receiver once per channel (by
the incidents it names: one, or a storm's group), none is lost, and a resend after a crash carries the same
`webhook-id` (the receiver counts distinct ids).

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
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from tests.e2e.helpers import (
    FAST,
    MultiTarget,
    PrivatePostgres,
    Target,
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
from uptick_devstack.sinks import HttpSink
from uptick_devstack.stack import Stack

REGIONS = ("eu-west", "us-east")
CHAOS_SECONDS = float(os.environ.get("UPTICK_FAILURE_SECONDS", "35"))
MONITORS = int(os.environ.get("UPTICK_FAILURE_MONITORS", "120"))
INTERVAL = 10
WORKERS = ("poller", "ingest", "notifier", *(f"checker-{r}" for r in REGIONS))
DRAIN_TIMEOUT = 60.0
ALERTING_MONITORS = 6  # on the flipping target: more than the storm threshold, so groups are made too
FLIP_SECONDS = 8.0
# A notifier killed mid-send holds its notifications for the lease: short, so that the drain sees them sent.
ALERTING = {"UPTICK_LEASE_SECONDS": "5", "UPTICK_ATTEMPT_TIMEOUT_SECONDS": "3", "UPTICK_POLL_SECONDS": "0.2",
            "UPTICK_STORM_GATHER_SECONDS": "1", "UPTICK_STORM_HOLD_SECONDS": "5", "UPTICK_RETRY_BASE_SECONDS": "0.5",
            "UPTICK_RETRY_CAP_SECONDS": "2"}


@pytest.fixture
async def chaos_stack(private_postgres: PrivatePostgres, private_redis: EmbeddedRedis,
                      jwt_keys: tuple[Path, Path], tmp_path: Path) -> AsyncIterator[Stack]:
    database_url = private_postgres.url("uptick")
    ensure_database(database_url)
    await asyncio.to_thread(upgrade, database_url)
    async with running_stack(database_url=database_url, redis_url=private_redis.url, jwt_keys=jwt_keys,
                             folder=tmp_path, overrides={**FAST, **ALERTING}, regions=REGIONS) as running:
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
    target, flipping, hook = MultiTarget(), Target(), HttpSink()
    await target.start()
    await flipping.start()
    await hook.start()
    engine = create_engine(private_postgres.url("uptick"), pool_size=2)
    redis = aioredis.Redis.from_url(private_redis.url)
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
            auth = await sign_up_and_log_in(client, "chaos@example.com", "a long enough password")
            me = (await client.get("/api/auth/me", headers=auth)).json()
            made = await client.post("/api/channels", headers=auth, json={
                "type": "webhook", "name": "hook", "config": {"url": hook.url()}, "is_default": True})
            assert made.status_code == 201, made.text
        await insert_monitors(engine, me["id"], [target.url(n) for n in range(MONITORS)], interval=INTERVAL,
                              timeout=2, regions=REGIONS)
        await insert_monitors(engine, me["id"], [f"{flipping.url}?m={n}" for n in range(ALERTING_MONITORS)],
                              interval=INTERVAL, timeout=2, regions=REGIONS)
        await eventually(lambda: stored_tick_keys(engine), timeout=30)  # the pipeline is flowing

        chaos = Chaos(stack, private_postgres, private_redis, random.Random(seed))
        started = time.monotonic()
        flips = asyncio.create_task(_flip(flipping, CHAOS_SECONDS))
        await chaos.run(CHAOS_SECONDS)
        await flips
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
        await eventually(lambda: _outbox_settled(engine), timeout=DRAIN_TIMEOUT)
        await asyncio.sleep(2)  # a send under way when the outbox settled arrives
        owed, told = await _owed(engine), _told(hook)
        summary["notifications"] = {
            "owed": sum(owed.values()), "told": sum(told.values()), "received": len(hook.received),
            "distinct_webhook_ids": len({r.headers["webhook-id"] for r in hook.received}),
            "lost": sorted((owed - told).elements())[:20], "extra": sorted((told - owed).elements())[:20],
        }
        print(json.dumps(summary, indent=1))
        if report := os.environ.get("UPTICK_FAILURE_REPORT"):
            await asyncio.to_thread(Path(report).write_text, json.dumps(summary, indent=1))
        assert len(jobs) >= MONITORS * len(REGIONS) * 2  # at least two rounds were scheduled
        assert not lost and not extra, f"lost: {sorted(lost)[:5]}, extra: {sorted(extra)[:5]}"
        assert max(ticks.values()) == 1
        # Every notification the outbox owes was told once per channel, none lost, none twice (a resend after
        # a crash has the same webhook-id and is counted once).
        assert any(event == "down" for event, _ in owed), owed  # incidents opened during the faults
        assert told == owed, summary["notifications"]
    finally:
        await redis.aclose()
        await engine.dispose()
        await target.stop()
        await flipping.stop()
        await hook.stop()


async def _flip(target: Target, seconds: float) -> None:
    """The alerting monitors' target breaks and recovers in turn until the faults end, then stays up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        target.mode = "error" if target.mode == "ok" else "ok"
        await asyncio.sleep(min(FLIP_SECONDS, max(0.0, deadline - time.monotonic())))
    target.mode = "ok"


async def _outbox_settled(engine) -> bool:
    """Nothing due is left to send (a flapping incident's resolution may still be held back, not due)."""
    from sqlalchemy import text

    async with engine.connect() as conn:
        return not await conn.scalar(text("SELECT count(*) FROM outbox WHERE status = 'pending' AND due_at <= now()"))


async def _owed(engine) -> Counter[tuple[str, int]]:
    """(event, incident) of every notification the outbox holds that has been due: sent alone or in a group."""
    from sqlalchemy import text

    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT payload ->> 'event', (payload ->> 'incident_id')::bigint FROM outbox"
            " WHERE incident_event_id IS NOT NULL AND status IN ('delivered', 'grouped', 'failed')"))).all()
    return Counter((event, incident) for event, incident in rows)


def _told(hook: HttpSink) -> Counter[tuple[str, int]]:
    """(event, incident) of every incident named by a distinct notification the receiver got."""
    bodies = {r.headers["webhook-id"]: r.json()["data"] for r in hook.received}
    return Counter((data["event"], i["incident"]["id"]) for data in bodies.values() for i in data["incidents"])
