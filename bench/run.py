"""`make bench` (`python -m bench`): one command, one machine, the real services as separate processes.

Sections (all by default): checker (alone, vs blackbox_exporter and wrk), hostile (the checker beside a zoo
of hostile targets, against itself alone), pipeline (poller → checker → ingest → Postgres at fixed loads,
and the highest load sustained), api (latency of the monitor list, of ticks and of history), history (what
rollups cost ingest, bytes of history), alerting (a target breaking → its notification at a sink; a storm's
notifications per channel; QUICK: 100 and 300 monitors instead of 200 and 1,000), soak (failure injection).
Each figure is the median of several runs (alerting's: one run of many monitors). Prints a table, writes a
JSON report under .run/bench/, and prints that report's path last. `--quick` (`make bench QUICK=1`) runs
shorter and fewer windows (about five minutes, without hostile and soak; alerting waits on 30-second
intervals, which QUICK cannot shorten); the full run says how long it took.

Postgres and Valkey are the bench's own (never the machine's shared servers); the target is a fast local
HTTP server answering on 1,012 loopback addresses (127.0.0-3.x), so that per-host rate limits do not
hide the pipeline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import alerting, api, checker, history, hostile, pipeline, report, soak
from bench.servers import BenchPostgres, BenchRedis
from bench.target import TargetFarm
from uptick_devstack.infra import ROOT, free_port

SECTIONS = ("checker", "hostile", "pipeline", "api", "history", "alerting", "soak")
NOT_IN_QUICK = ("hostile", "soak")  # run with --sections
# The plan's guesses (this 2-core machine, 2026-11-28): the checker alone, and the load the pipeline sustains.
CHECKER_GUESS_PER_S, PIPELINE_GUESS_PER_S = 4000.0, 3500.0


@dataclass
class Context:
    quick: bool
    out: Path
    sections: tuple[str, ...]
    pipeline_load: float
    checkers: int
    soak_seconds: int
    logs: Path = field(init=False)
    redis: Any = None
    postgres: Any = None
    target: Any = None
    checker_alone_per_s: float | None = None  # once measured: where the pipeline's ladder starts

    def __post_init__(self) -> None:
        self.logs = self.out / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        self.phases: dict[str, float] = {}  # seconds per step, in the report's meta: where the time went

    def say(self, line: str) -> None:
        print(f"[bench {time.monotonic() - self.started:6.1f}s] {line}", flush=True)

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Adds the seconds the block took to `meta.phases_s[name]`."""
        began = time.monotonic()
        try:
            yield
        finally:
            self.add_time(name, time.monotonic() - began)

    def add_time(self, name: str, seconds: float) -> None:
        self.phases[name] = round(self.phases.get(name, 0.0) + seconds, 1)


def _version(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else None


def _cpu() -> dict[str, Any]:
    """What makes figures from two machines of the same size differ: the processor, and the speculative-execution
    mitigations the kernel applies, which make every system call (and so every connection) dearer."""
    fields: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = line.partition(":")
            fields.setdefault(name.strip(), value.strip())  # the first processor's
    mitigations = {}
    with contextlib.suppress(OSError):
        for entry in sorted(Path("/sys/devices/system/cpu/vulnerabilities").iterdir()):
            state = entry.read_text().strip()
            if state.startswith("Mitigation"):
                mitigations[entry.name] = state.removeprefix("Mitigation: ")
    return {"model": fields.get("model name"), "family_model": f"{fields.get('cpu family')}/{fields.get('model')}",
            "mhz": fields.get("cpu MHz"), "mitigations": mitigations, **_yardsticks()}


def _yardsticks(steps: int = 200_000) -> dict[str, float]:
    """Two costs every figure is made of, in nanoseconds: a step of the Python interpreter (an empty loop's),
    and a trivial system call (`getppid`), which every connection pays several times over."""
    started = time.perf_counter()
    for _ in range(steps):
        pass
    loop_ns = (time.perf_counter() - started) * 1e9 / steps
    started = time.perf_counter()
    for _ in range(steps):
        os.getppid()
    call_ns = (time.perf_counter() - started) * 1e9 / steps - loop_ns
    return {"python_loop_ns": round(loop_ns, 1), "syscall_ns": round(call_ns)}


def _meta(ctx: Context) -> dict[str, Any]:
    git = _version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = bool(_version(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"]))
    return {
        "quick": ctx.quick, "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git, "git_dirty": dirty, "python": platform.python_version(),
        "machine": {"cores": os.cpu_count(), "memory_gib": round(os.sysconf("SC_PAGE_SIZE")
                                                                 * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                    "kernel": platform.release(), "load_average_at_start": os.getloadavg(), "cpu": _cpu()},
        "tools": {"wrk": _version(["wrk", "--version"]),
                  "blackbox_exporter": _version(["prometheus-blackbox-exporter", "--version"])},
        "sections": list(ctx.sections),
    }


def plan(ctx: Context) -> dict[str, Any]:
    """Seconds each part should take (a guess, printed up front). The full run's pipeline takes longer when the
    machine sustains the fixed load: the ladder climbs past it and the ten-minute run follows."""
    parts: dict[str, float] = {"start, stop": 5}
    if "checker" in ctx.sections:
        parts["checker"] = checker.planned_seconds(ctx.quick, CHECKER_GUESS_PER_S)
    if "hostile" in ctx.sections:
        parts["hostile"] = hostile.planned_seconds(ctx.quick, CHECKER_GUESS_PER_S)
    if "pipeline" in ctx.sections:
        parts["pipeline"] = pipeline.planned_seconds(ctx.quick, ctx.pipeline_load, PIPELINE_GUESS_PER_S)
    elif "api" in ctx.sections:
        parts["pipeline"] = 10  # its stack, which the API runs on
    if "api" in ctx.sections:
        parts["api"] = api.planned_seconds(ctx.quick)
    if "history" in ctx.sections:
        parts["history"] = history.planned_seconds(ctx.quick)
    if "alerting" in ctx.sections:
        parts["alerting"] = alerting.planned_seconds(ctx.quick)
    if "soak" in ctx.sections:
        parts["failure injection"] = soak.planned_seconds(ctx.quick, ctx.soak_seconds)
    total = sum(parts.values())
    found: dict[str, Any] = {"seconds": round(total), "parts_s": {k: round(v) for k, v in parts.items()},
                             "assumes_per_s": {"checker": CHECKER_GUESS_PER_S, "pipeline": PIPELINE_GUESS_PER_S}}
    if "pipeline" in ctx.sections and not ctx.quick:  # the other case too: with or without the ten minutes
        held = PIPELINE_GUESS_PER_S >= ctx.pipeline_load
        other = pipeline.planned_seconds(False, ctx.pipeline_load, ctx.pipeline_load / 2 if held else ctx.pipeline_load)
        found["ten_minutes_planned"] = held
        found["seconds_otherwise"] = round(total - parts["pipeline"] + other)
        found["pipeline_s_otherwise"] = round(other)
    return found


def _plan_line(ctx: Context, planned: dict[str, Any]) -> str:
    minutes = lambda s: f"{s / 60:.1f}" if s < 600 else f"{s / 60:.0f}"  # noqa: E731
    parts = ", ".join(f"{name} {minutes(s)}" + (f" (or {minutes(planned['pipeline_s_otherwise'])})"
                                                 if name == "pipeline" and "pipeline_s_otherwise" in planned else "")
                      for name, s in planned["parts_s"].items() if name != "start, stop")
    line = f"{'QUICK run' if ctx.quick else 'Full run'}: planned ≈ {minutes(planned['seconds'])} min"
    if "seconds_otherwise" in planned:
        load = f"{ctx.pipeline_load:,.0f} checks/s"
        line += (f" with the pipeline's ten minutes at {load} (≈ {minutes(planned['seconds_otherwise'])} min if the"
                 f" ladder shows it does not hold {load}: no ten-minute run)" if planned["ten_minutes_planned"] else
                 f" (≈ {minutes(planned['seconds_otherwise'])} min if the ladder shows it holds {load}: then the"
                 " ten-minute run)")
    return f"{line}; minutes: {parts}"


async def _section(ctx: Context, name: str, result: dict[str, Any], coroutine: Any) -> None:
    ctx.say(f"{name}…")
    try:
        result[name] = await coroutine
    except Exception as exc:  # noqa: BLE001 - one section failing still leaves the others' figures
        result[name] = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        ctx.say(f"{name} failed: {result[name]['error']}")


async def bench(ctx: Context) -> dict[str, Any]:
    result: dict[str, Any] = {"meta": _meta(ctx)}
    result["meta"]["plan"] = plan(ctx)
    ctx.say(_plan_line(ctx, result["meta"]["plan"]))
    if {"checker", "hostile", "pipeline", "api", "history", "alerting"} & set(ctx.sections):
        await _measure(ctx, result)
    if "soak" in ctx.sections:  # on servers of its own, once the bench's are stopped
        with ctx.timed("failure injection"):
            await _section(ctx, "failure_injection", result, soak.run(ctx))
    elif ctx.quick:
        result["failure_injection"] = {"skipped": "QUICK: the soak is part of the full run; its short form is a test"
                                       " (tests/e2e/test_failure_injection.py, in `make test`)"}
    return result


async def _measure(ctx: Context, result: dict[str, Any]) -> None:
    ctx.redis, ctx.postgres = BenchRedis(), BenchPostgres()
    ctx.target = TargetFarm(free_port(), hosts=1012, processes=2)
    try:
        with ctx.timed("start valkey, target"):
            ctx.redis.start()
            ctx.target.start()
        if "checker" in ctx.sections:
            with ctx.timed("checker"):
                await _section(ctx, "checker", result, checker.run(ctx))
            ctx.checker_alone_per_s = result["checker"].get("checks_per_s")
        if "hostile" in ctx.sections:
            with ctx.timed("hostile"):
                await _section(ctx, "hostile", result, hostile.run(ctx))
        if {"pipeline", "api", "history", "alerting"} & set(ctx.sections):
            with ctx.timed("pipeline: start postgres"):
                await asyncio.to_thread(ctx.postgres.start)
        if {"pipeline", "api"} & set(ctx.sections):

            async def both() -> None:
                measured, api = await pipeline.run(ctx)
                if measured is not None:
                    result["pipeline"] = measured
                if api is not None:
                    result["api"] = api

            failed: dict[str, Any] = {}
            await _section(ctx, "pipeline", failed, both())
            if "error" in (failed.get("pipeline") or {}):  # it did not get as far as a section of its own
                result.setdefault("pipeline", failed["pipeline"])
        if "history" in ctx.sections:  # once the pipeline's services are stopped
            with ctx.timed("history"):
                await _section(ctx, "history", result, history.run(ctx))
        if "alerting" in ctx.sections:  # its own stack, once the others are stopped
            with ctx.timed("alerting"):
                await _section(ctx, "alerting", result, alerting.run(ctx))
    finally:
        with ctx.timed("stop"):
            ctx.target.stop()
            ctx.redis.stop()
            await asyncio.to_thread(ctx.postgres.stop)


def _trim_logs(folder: Path, keep: int = 1 << 20) -> None:
    """The checkers log a line per check: keep the last MiB of each big log, not hundreds of them."""
    for log in folder.glob("*.log"):
        size = log.stat().st_size
        if size > 4 * keep:
            with log.open("rb") as f:
                f.seek(size - keep)
                tail = f.read()
            log.write_bytes(f"[{size - keep:,} earlier bytes dropped by the bench]\n".encode() + tail)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="about two minutes: shorter, fewer windows")
    parser.add_argument("--sections", help=f"comma-separated, of {', '.join(SECTIONS)} (default: all; QUICK: all"
                        " but hostile and soak, whose short forms `make test` runs)")
    parser.add_argument("--pipeline-load", type=float, default=3300, help="the fixed offered load (checks/s)")
    parser.add_argument("--checkers", type=int, default=2, help="checker processes in the pipeline's region")
    parser.add_argument("--soak-seconds", type=int, default=600, help="faults injected for this long (full run)")
    parser.add_argument("--out", type=Path, default=ROOT / ".run" / "bench")
    args = parser.parse_args()
    default = [s for s in SECTIONS if not (args.quick and s in NOT_IN_QUICK)]
    sections = tuple(s.strip() for s in (args.sections or ",".join(default)).split(",") if s.strip())
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out / stamp
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(quick=args.quick, out=out, sections=sections, pipeline_load=args.pipeline_load,
                  checkers=args.checkers, soak_seconds=args.soak_seconds)
    started = time.monotonic()
    result = asyncio.run(bench(ctx))
    result["targets"] = report.targets(result)
    took = round(time.monotonic() - started, 1)
    result["meta"]["duration_s"] = took
    result["meta"]["phases_s"] = ctx.phases
    _trim_logs(ctx.logs)
    path = args.out / f"bench-{stamp}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(result, indent=1, default=str))
    (out / "report.json").write_text(json.dumps(result, indent=1, default=str))
    print()
    print(report.table(result))
    plan_made = result["meta"]["plan"]
    ten = (result.get("pipeline") or {}).get("ten_minutes")
    ran_ten = isinstance(ten, dict) and "skipped" not in ten
    planned = plan_made["seconds"] if ran_ten == plan_made.get("ten_minutes_planned", ran_ten) \
        else plan_made["seconds_otherwise"]
    print(f"\n{'QUICK run' if args.quick else 'Full run'} took {took:.0f} s ({took / 60:.1f} min; planned ≈ "
          f"{planned / 60:.1f} min); profiles and logs: {out}")
    failed = [name for name, section in result.items() if isinstance(section, dict) and "error" in section]
    if failed:
        print(f"sections that failed: {', '.join(failed)}", file=sys.stderr)
    print(path)
    sys.exit(1 if failed else 0)
