"""`make run`: find or start Postgres and Redis, migrate, maintain, and run every service until Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from uptick_common import tokens
from uptick_common.db import maintain
from uptick_common.db.migrate import upgrade
from uptick_common.settings import DEFAULT_REGIONS
from uptick_devstack import infra
from uptick_devstack.prometheus import ports_file
from uptick_devstack.stack import Stack, StackConfig

WIDTH = 16
RESTART_DELAY_S = 2.0


def say(name: str, line: str) -> None:
    sys.stdout.write(f"{name:<{WIDTH}}| {line}\n")
    sys.stdout.flush()


async def supervise(stack: Stack, stop: asyncio.Event) -> None:
    """Restart a service that died, as Kubernetes would, until asked to stop."""
    while not stop.is_set():
        for name in stack.crashed():
            say("uptick", f"{name} stopped unexpectedly; restarting it in {RESTART_DELAY_S:.0f}s")
            await asyncio.sleep(RESTART_DELAY_S)
            await stack.start_service(name)
        try:
            await asyncio.wait_for(stop.wait(), 1)
        except TimeoutError:
            pass


async def run() -> None:
    port = int(os.environ.get("UPTICK_ROUTER_PORT", "8080"))
    if infra.port_open("127.0.0.1", port):
        sys.exit(f"port {port} is taken: stop what is using it, or set UPTICK_ROUTER_PORT")
    server_url, pg_source = infra.postgres_server_url()
    database_url = server_url if "UPTICK_DATABASE_URL" in os.environ else infra.with_database(server_url, "uptick")
    infra.ensure_database(database_url)
    redis_url, redis_source, embedded_redis = infra.redis_server_url()
    say("uptick", f"Postgres: {pg_source}; Redis: {redis_source}")
    upgrade(database_url)
    done = maintain.run_once(database_url)  # as the chart's CronJob does, hourly
    say("uptick", f"maintenance: {len(done.created)} daily partitions made, {len(done.dropped)} past retention "
                  "dropped")
    keys = infra.RUN_DIR / "keys"
    tokens.generate_keypair(keys / "jwt-private.pem", keys / "jwt-public.pem")
    regions = tuple(r.strip() for r in os.environ.get("UPTICK_REGIONS", ",".join(DEFAULT_REGIONS)).split(","))
    stack = Stack(StackConfig(database_url=database_url, redis_url=redis_url, keys_dir=keys, regions=regions,
                              router_port=port), say)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stack.start()
        # Where each process serves /metrics: `python -m uptick_devstack.prometheus` scrapes them from it.
        ports_file(port).write_text(json.dumps(stack.ports(), indent=2) + "\n")
        say("uptick", f"ready: http://127.0.0.1:{port}  (API docs at /api/docs; Ctrl-C stops everything)")
        say("uptick", f"mail (invitations) goes to the local sink: {keys.parent / 'mail'}/ and this console")
        await supervise(stack, stop)
    finally:
        say("uptick", "stopping…")
        ports_file(port).unlink(missing_ok=True)
        await stack.stop()
        if embedded_redis is not None:
            embedded_redis.stop()
        say("uptick", "stopped")


def main() -> None:
    if sys.argv[1:] != ["run"]:
        sys.exit("usage: python -m uptick_devstack run")
    asyncio.run(run())


if __name__ == "__main__":
    main()
