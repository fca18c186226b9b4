"""Rough checks-per-second of one checker process against a local target (not a test: no asserts).

    uv run python services/checker/bench/throughput.py http   --checks 20000 --concurrency 500
    uv run python services/checker/bench/throughput.py worker --checks 20000 --concurrency 1000

`http` times HttpChecker alone; `worker` times the whole worker (Redis in, Redis out) on a Redis that
`make run` would use (logical database 14, flushed); `--logs` adds the cost of the log line per check.
The target is a minimal HTTP/1.1 responder on 127.0.0.1 in a process of its own, so that it does not
share the checker's event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import uvloop

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

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


async def bench_http(url: str, checks: int, concurrency: int) -> None:
    from uptick_checker.http_check import HttpChecker
    from uptick_common.netguard import parse_networks

    checker = await HttpChecker.open(allowed_networks=parse_networks("127.0.0.0/8"))
    slots = asyncio.Semaphore(concurrency)
    statuses: dict[str, int] = {}

    async def one() -> None:
        async with slots:
            outcome = await checker.check(url, 10)
        key = outcome.error or outcome.status
        statuses[key] = statuses.get(key, 0) + 1

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one() for _ in range(checks)))
    report(checks, time.perf_counter() - started, time.process_time() - cpu, statuses)
    await checker.close()


async def bench_worker(url: str, checks: int, concurrency: int) -> None:
    import redis.asyncio as aioredis

    from uptick_checker.settings import CheckerSettings
    from uptick_checker.worker import Checker
    from uptick_common.streams import CHECKS_GROUP, RESULTS_STREAM, CheckJob, checks_stream
    from uptick_devstack import infra

    server_url = infra.redis_server_url()[0]
    redis_url = urlsplit(server_url)._replace(path="/14").geturl()
    client = aioredis.Redis.from_url(redis_url)
    await client.flushdb()
    stream = checks_stream("bench")
    await client.xgroup_create(stream, CHECKS_GROUP, id="0", mkstream=True)
    now = int(time.time() * 1000)
    async with client.pipeline(transaction=False) as pipe:
        for n in range(checks):
            job = CheckJob(job_id=f"{n}:bench:{now}", monitor_id=n, region="bench", scheduled_ms=now, url=url,
                           timeout_seconds=10)
            pipe.xadd(stream, job.fields())
        await pipe.execute()
    settings = CheckerSettings(region="bench", redis_url=redis_url, concurrency=concurrency,  # type: ignore[call-arg]
                               checker_allowed_networks="127.0.0.0/8", log_level="warning")
    worker = await Checker.create(settings)
    started, cpu = time.perf_counter(), time.process_time()
    task = asyncio.create_task(worker.run())
    while True:
        if await client.xlen(RESULTS_STREAM) >= checks:
            break
        await asyncio.sleep(0.05)
    elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    worker.request_stop()
    await task
    await worker.close()
    report(checks, elapsed, cpu_used, {"results": await client.xlen(RESULTS_STREAM)})
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
    bench = bench_http if args.mode == "http" else bench_worker
    try:
        uvloop.run(bench(url, args.checks, args.concurrency))
    finally:
        target.terminate()


if __name__ == "__main__":
    main()
