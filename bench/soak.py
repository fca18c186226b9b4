"""The failure-injection soak: tests/e2e/test_failure_injection.py run long (the same scenario `make test`
runs short), on its own private Postgres and Valkey. Its summary (faults, jobs, ticks, lost, extra) goes
into the report."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

from uptick_devstack.infra import ROOT


def planned_seconds(quick: bool, seconds: int) -> float:
    """The faults' time, plus the stack's start, the drain and the ledger's check afterwards."""
    return (35 if quick else seconds) + 75


async def run(ctx: Any) -> dict[str, Any]:
    seconds, monitors = (35, 120) if ctx.quick else (ctx.soak_seconds, 1000)
    summary = ctx.out / "failure-injection.json"
    env = {**os.environ, "UPTICK_FAILURE_SECONDS": str(seconds), "UPTICK_FAILURE_MONITORS": str(monitors),
           "UPTICK_FAILURE_REPORT": str(summary), "UPTICK_FAILURE_LOGS": str(ctx.logs)}
    started = time.monotonic()
    with open(ctx.logs / "failure-injection-pytest.log", "wb") as log:  # noqa: ASYNC230
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pytest", "tests/e2e/test_failure_injection.py", "-q", "-x", "-s",
            "-p", "no:cacheprovider", cwd=ROOT, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT)
        code = await process.wait()
    result: dict[str, Any] = {"passed": code == 0, "exit_code": code, "chaos_seconds": seconds,
                              "monitors": monitors, "seconds": round(time.monotonic() - started, 1),
                              "log": str(ctx.logs / "failure-injection-pytest.log")}
    if summary.exists():
        result.update(json.loads(summary.read_text()))
    ctx.say(f"failure injection: {'passed' if code == 0 else 'FAILED'} "
            f"({result.get('jobs_scheduled')} jobs, lost {result.get('lost')}, extra {result.get('extra')})")
    return result
