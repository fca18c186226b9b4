"""The checker beside hostile targets: what a zoo of misbehaving servers costs the good checks.

The zoo (`uptick_devstack.zoo`, the servers the checker's tests use: slow, endless, huge, resetting, lying
about TLS…) runs in a process of its own; the good checks go to the bench's target, as in the checker
section. Hostile checks have a 5 s timeout; the host rate limit is off (this measures the checker, and every
zoo server is on 127.0.0.1).

- in_process: `HttpChecker` alone (no Redis, no worker) on uvloop in a process of its own: checks/s and CPU
  per check, alone and with N hostile checks kept in flight all along. Where the checker's own cost shows
  without Redis in and out.
- checker: the real checker process (`python -m uptick_checker.main`), one run of good jobs only and one with
  N hostile jobs spread among them in its stream, so that slow ones hold slots of its concurrency: the good
  checks' rate until the last good one ended, and what became of the hostile ones.

Each figure's peer is measured in the same run: `vs_alone` is the good checks' rate beside the zoo over the
rate alone.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import statistics
import time
from multiprocessing.connection import Connection
from typing import Any

import redis.asyncio as aioredis
import uvloop

from bench.checker import REGION, CheckerProcess, checker_run
from bench.procs import Group
from uptick_common.streams import CHECKS_GROUP, checks_stream

HOSTILE_TIMEOUT_S = 5.0
# Runs of each kind, good checks per run, hostile checks (in flight all along, or jobs among the good ones).
FULL = {"runs": 3, "checks": 10_000, "hostile": 200}
QUICK = {"runs": 1, "checks": 4_000, "hostile": 100}
IN_PROCESS_CONCURRENCY = 500
PAUSE_S = 0.5


IN_PROCESS_GUESS_PER_S = 1000.0  # HttpChecker alone in process (measured 1,090/s on a loaded 2-core machine)
BESIDE_ZOO_SHARE = 0.25  # what the good checks keep of their rate beside the zoo (0.19-0.28 measured)


def planned_seconds(quick: bool, checks_per_s: float = 1500) -> float:
    """The section's seconds, for the plan printed up front (checks_per_s: a guess at the checker process's)."""
    s = QUICK if quick else FULL
    both = 1 + 1 / BESIDE_ZOO_SHARE  # a run alone and a run beside the zoo, in runs alone
    in_process = both * s["checks"] / IN_PROCESS_GUESS_PER_S + 2 * 2 + HOSTILE_TIMEOUT_S  # 2 s to spawn each
    checker = both * s["checks"] / checks_per_s + HOSTILE_TIMEOUT_S + 2 * PAUSE_S
    return 10 + s["runs"] * (in_process + checker)


def _run_zoo(urls_out: Connection) -> None:
    """The zoo's servers, in this process; their URLs (the one good TLS server left out) go to the parent."""
    from uptick_devstack.zoo import Zoo

    async def main() -> None:
        zoo = await Zoo().start()
        urls_out.send([url for name, url in zoo.urls.items() if name != "tls_good"])
        await asyncio.Event().wait()

    uvloop.run(main())


def _in_process(out: Connection, urls: list[str], zoo_urls: list[str], in_flight: int) -> None:
    """`HttpChecker` on the good URLs, `IN_PROCESS_CONCURRENCY` at once, beside `in_flight` hostile checks;
    sends back its figures."""
    from uptick_checker.http_check import HttpChecker
    from uptick_common.netguard import parse_networks

    async def main() -> dict[str, Any]:
        checker = await HttpChecker.open(allowed_networks=parse_networks("127.0.0.0/8"))
        slots = asyncio.Semaphore(IN_PROCESS_CONCURRENCY)
        statuses: dict[str, int] = {}
        hostile: dict[str, int] = {}

        async def one(url: str) -> None:
            async with slots:
                outcome = await checker.check(url, 10)
            key = outcome.error or outcome.status
            statuses[key] = statuses.get(key, 0) + 1

        async def keep_hostile_in_flight(targets: itertools.cycle[str]) -> None:
            while True:
                outcome = await checker.check(next(targets), HOSTILE_TIMEOUT_S)
                key = (outcome.error or outcome.status).split(":")[0]
                hostile[key] = hostile.get(key, 0) + 1

        targets = itertools.cycle(zoo_urls)
        zoo = [asyncio.create_task(keep_hostile_in_flight(targets)) for _ in range(in_flight)]
        if zoo:
            await asyncio.sleep(HOSTILE_TIMEOUT_S)  # the slow ones are hanging by now
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(url) for url in urls))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        for task in zoo:
            task.cancel()
        await asyncio.gather(*zoo, return_exceptions=True)
        await checker.close()
        return {"checks": len(urls), "checks_per_s": round(len(urls) / elapsed, 1),
                "cpu_us_per_check": round(cpu / len(urls) * 1e6, 1), "outcomes": statuses,
                **({"hostile_in_flight": in_flight, "hostile_outcomes": hostile} if zoo else {})}

    out.send(uvloop.run(main()))


def _spawn_in_process(urls: list[str], zoo_urls: list[str], in_flight: int) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    process = spawn.Process(target=_in_process, args=(child, urls, zoo_urls, in_flight), daemon=True)
    process.start()
    try:
        if not parent.poll(120 + len(urls) / 200):
            raise RuntimeError("the in-process checker did not finish in time")
        figures: dict[str, Any] = parent.recv()
        return figures
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()


def _ratio(runs: list[dict[str, Any]], beside: list[dict[str, Any]]) -> dict[str, Any]:
    alone_rate = statistics.median(r["checks_per_s"] for r in runs)
    beside_rate = statistics.median(r["checks_per_s"] for r in beside)
    return {"alone_checks_per_s": round(alone_rate, 1), "beside_zoo_checks_per_s": round(beside_rate, 1),
            "vs_alone": round(beside_rate / alone_rate, 2), "alone": runs, "beside_zoo": beside}


async def _in_process_section(ctx: Any, settings: dict[str, int], zoo_urls: list[str]) -> dict[str, Any]:
    alone, beside = [], []
    for n in range(settings["runs"]):
        urls = [ctx.target.url(n * settings["checks"] + k) for k in range(settings["checks"])]
        alone.append(await asyncio.to_thread(_spawn_in_process, urls, zoo_urls, 0))
        await asyncio.sleep(PAUSE_S)
        beside.append(await asyncio.to_thread(_spawn_in_process, urls, zoo_urls, settings["hostile"]))
        await asyncio.sleep(PAUSE_S)
    return _ratio(alone, beside)


async def _checker_section(ctx: Any, settings: dict[str, int], zoo_urls: list[str]) -> dict[str, Any]:
    client = aioredis.Redis.from_url(ctx.redis.url)
    await client.flushdb()
    await client.xgroup_create(checks_stream(REGION), CHECKS_GROUP, id="0", mkstream=True)
    checker = CheckerProcess(ctx.redis.url, ctx.logs / "checker-hostile.log",
                             {"UPTICK_HOST_RATE_PER_SECOND": "0", "UPTICK_CONSUMER_NAME": "bench-hostile"})
    await checker.start()
    assert checker.process is not None
    groups = [Group("checker", [checker.process.pid]), Group("redis", [ctx.redis.process.pid]),
              Group("target", ctx.target.pids)]
    hostile = list(itertools.islice(itertools.cycle(zoo_urls), settings["hostile"]))
    try:
        await checker_run(client, ctx.target, 2000, groups, 10_000_000)  # warm-up, not counted
        alone, beside = [], []
        for n in range(settings["runs"]):
            alone.append(await checker_run(client, ctx.target, settings["checks"], groups, 2 * n * settings["checks"]))
            await asyncio.sleep(PAUSE_S)
            beside.append(await checker_run(client, ctx.target, settings["checks"], groups,
                                            (2 * n + 1) * settings["checks"], hostile, HOSTILE_TIMEOUT_S))
            await asyncio.sleep(PAUSE_S)
    finally:
        checker.stop()
        await client.aclose()
    return _ratio(alone, beside)


async def run(ctx: Any) -> dict[str, Any]:
    settings = QUICK if ctx.quick else FULL
    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    zoo = spawn.Process(target=_run_zoo, args=(child,), daemon=True)
    zoo.start()
    try:
        if not await asyncio.to_thread(parent.poll, 30):
            raise RuntimeError("the zoo did not start")
        zoo_urls: list[str] = parent.recv()
        with ctx.timed("hostile: in process"):
            in_process = await _in_process_section(ctx, settings, zoo_urls)
        ctx.say(f"hostile: in process {in_process['alone_checks_per_s']} checks/s alone, "
                f"{in_process['beside_zoo_checks_per_s']} beside the zoo")
        with ctx.timed("hostile: checker"):
            checker = await _checker_section(ctx, settings, zoo_urls)
        ctx.say(f"hostile: checker {checker['alone_checks_per_s']} checks/s alone, "
                f"{checker['beside_zoo_checks_per_s']} beside {settings['hostile']} hostile jobs")
    finally:
        zoo.terminate()
        zoo.join(10)
    return {"zoo_targets": len(zoo_urls), "hostile_timeout_s": HOSTILE_TIMEOUT_S, "in_process": in_process,
            "checker": checker}
