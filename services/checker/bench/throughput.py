"""Rough checks-per-second of one checker process against a local target (not a test: no asserts).

    uv run python services/checker/bench/throughput.py http   --checks 20000 --concurrency 500
    uv run python services/checker/bench/throughput.py worker --checks 20000 --concurrency 1000
    uv run python services/checker/bench/throughput.py http   --checks 20000 --zoo 200

`http` times HttpChecker alone; `worker` times the whole worker (Redis in, Redis out) on a Redis that
`make run` would use (logical database 14 unless `--redis-db`, flushed); `--logs` adds the cost of the log
line per check. The target is a minimal HTTP/1.1 responder on 127.0.0.1 in a process of its own, so that
it does not share the checker's event loop. The host rate limit is off: this measures the checker.

`--zoo N` runs the hostile servers of tests/zoo.py (slow, endless, huge, resetting, lying about TLS…) in
another process, beside the good target, through the same checker (timeout 5 s): `http` keeps N hostile
checks in flight all along; `worker` spreads N hostile jobs among the good ones in the stream (so that the
slow ones hold slots of `--concurrency`). Reported: the good target's checks per second (in `worker`, until
the last good check ended; CPU until the last hostile one did), and what became of the hostile checks.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import uvloop

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.synchronize import Event

ZOO_TIMEOUT_S = 5.0
HOSTILE_IDS = 10_000_000  # monitor ids of hostile jobs start here

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok"


def run_target(port: int, ready: Event) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(RESPONSE)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(answer, "127.0.0.1", port, backlog=4096)
        ready.set()
        await server.serve_forever()

    uvloop.run(main())


def run_zoo(urls_out: Connection) -> None:
    """The hostile servers of the tests, in this process; their URLs (the control excepted) go to the parent."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from zoo import Zoo

    async def main() -> None:
        zoo = await Zoo().start()
        urls_out.send([url for name, url in zoo.urls.items() if name != "tls_good"])
        await asyncio.Event().wait()

    uvloop.run(main())


def start_zoo() -> tuple[multiprocessing.Process, list[str]]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=run_zoo, args=(child,), daemon=True)
    process.start()
    if not parent.poll(30):
        raise SystemExit("the zoo did not start")
    return process, parent.recv()


def tally(outcomes: dict[str, int], key: str) -> None:
    outcomes[key] = outcomes.get(key, 0) + 1


async def bench_http(url: str, checks: int, concurrency: int, zoo_urls: list[str], zoo_in_flight: int) -> None:
    from uptick_checker.http_check import HttpChecker
    from uptick_common.netguard import parse_networks

    checker = await HttpChecker.open(allowed_networks=parse_networks("127.0.0.0/8"))
    slots = asyncio.Semaphore(concurrency)
    statuses: dict[str, int] = {}
    hostile: dict[str, int] = {}

    async def one() -> None:
        async with slots:
            outcome = await checker.check(url, 10)
        tally(statuses, outcome.error or outcome.status)

    async def keep_hostile_in_flight(urls: itertools.cycle[str]) -> None:
        while True:
            outcome = await checker.check(next(urls), ZOO_TIMEOUT_S)
            tally(hostile, (outcome.error or outcome.status).split(":")[0])

    targets = itertools.cycle(zoo_urls)
    zoo = [asyncio.create_task(keep_hostile_in_flight(targets)) for _ in range(zoo_in_flight if zoo_urls else 0)]
    if zoo:
        await asyncio.sleep(ZOO_TIMEOUT_S)  # the slow ones are hanging by now
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one() for _ in range(checks)))
    report(checks, time.perf_counter() - started, time.process_time() - cpu, statuses)
    for task in zoo:
        task.cancel()
    await asyncio.gather(*zoo, return_exceptions=True)
    if zoo:
        print(f"beside {len(zoo)} hostile checks in flight; hostile outcomes meanwhile: {hostile}")
    await checker.close()


async def bench_worker(url: str, checks: int, concurrency: int, zoo_urls: list[str], zoo_jobs: int,
                       redis_db: int) -> None:
    import redis.asyncio as aioredis

    from uptick_checker.settings import CheckerSettings
    from uptick_checker.worker import Checker
    from uptick_common.streams import CHECKS_GROUP, RESULTS_STREAM, CheckJob, CheckResult, checks_stream
    from uptick_devstack import infra

    server_url = infra.redis_server_url()[0]
    redis_url = urlsplit(server_url)._replace(path=f"/{redis_db}").geturl()
    client = aioredis.Redis.from_url(redis_url)
    await client.flushdb()
    stream = checks_stream("bench")
    await client.xgroup_create(stream, CHECKS_GROUP, id="0", mkstream=True)
    now = int(time.time() * 1000)
    jobs = [(n, url, 10.0) for n in range(checks)]
    for k, hostile_url in zip(range(zoo_jobs), itertools.cycle(zoo_urls or [""]), strict=False):
        jobs.insert((k + 1) * checks // (zoo_jobs + 1) + k, (HOSTILE_IDS + k, hostile_url, ZOO_TIMEOUT_S))
    async with client.pipeline(transaction=False) as pipe:
        for n, target, timeout in jobs:
            job = CheckJob(job_id=f"{n}:bench:{now}", monitor_id=n, region="bench", scheduled_ms=now, url=target,
                           timeout_seconds=timeout)
            pipe.xadd(stream, job.fields())
        await pipe.execute()
    settings = CheckerSettings(region="bench", redis_url=redis_url, concurrency=concurrency,  # type: ignore[call-arg]
                               checker_allowed_networks="127.0.0.1/32", log_level="warning", host_rate_per_second=0)
    worker = await Checker.create(settings)
    started, started_ms, cpu = time.perf_counter(), time.time() * 1000, time.process_time()
    task = asyncio.create_task(worker.run())
    while True:
        if await client.xlen(RESULTS_STREAM) >= len(jobs):
            break
        await asyncio.sleep(0.05)
    elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    worker.request_stop()
    await task
    await worker.close()
    outcomes: dict[str, int] = {"results": await client.xlen(RESULTS_STREAM)}
    if zoo_jobs:  # the good checks' rate: until the last of them ended, the hostile ones' tail left out
        results = [CheckResult.from_fields(fields) for _, fields in await client.xrange(RESULTS_STREAM)]
        good = [r for r in results if r.monitor_id < HOSTILE_IDS]
        ended_ms = max(r.checked_ms + (r.latency_ms or 0) for r in good)
        elapsed = (ended_ms - started_ms) / 1000
        latencies = sorted(r.latency_ms or 0 for r in good)
        outcomes["good p50 ms"] = latencies[len(latencies) // 2]
        outcomes["good p99 ms"] = latencies[len(latencies) * 99 // 100]
        for r in results:
            if r.monitor_id >= HOSTILE_IDS:
                tally(outcomes, "hostile " + (r.error or r.status).split(":")[0])
    report(checks, elapsed, cpu_used, outcomes)
    await client.flushdb()
    await client.aclose()


def report(checks: int, elapsed: float, cpu: float, outcomes: dict[str, int]) -> None:
    print(f"{checks} checks in {elapsed:.2f}s: {checks / elapsed:,.0f} checks/s "
          f"(checker CPU {cpu:.2f}s, {cpu / checks * 1e6:.0f} µs/check) {outcomes}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["http", "worker"])
    parser.add_argument("--checks", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--logs", action="store_true", help="render the line per check (JSON, to /dev/null)")
    parser.add_argument("--zoo", type=int, default=0, metavar="N", help="hostile checks in flight beside the good")
    parser.add_argument("--redis-db", type=int, default=14, help="`worker`: the Redis logical database (flushed)")
    args = parser.parse_args()

    if args.logs:
        import logging

        from uptick_common.logging import configure_logging

        configure_logging("checker", "info", "json")
        logging.getLogger().handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    else:
        import structlog

        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # warnings and up only

    port = 20_000 + os.getpid() % 20_000
    ready = multiprocessing.Event()
    target = multiprocessing.Process(target=run_target, args=(port, ready), daemon=True)
    target.start()
    ready.wait(10)
    url = f"http://127.0.0.1:{port}/health?token=secret"
    zoo, zoo_urls = start_zoo() if args.zoo else (None, [])
    try:
        if args.mode == "http":
            uvloop.run(bench_http(url, args.checks, args.concurrency, zoo_urls, args.zoo))
        else:
            uvloop.run(bench_worker(url, args.checks, args.concurrency, zoo_urls, args.zoo, args.redis_db))
    finally:
        target.terminate()
        if zoo is not None:
            zoo.terminate()


if __name__ == "__main__":
    main()
