"""The checker alone, against the same target in the same run as blackbox_exporter and as wrk.

- checker: the real service process (`python -m uptick_checker.main`, default settings, its log line per
  check written to a file) reading a region stream that the bench fills; timed from the first job added
  to the last result in `uptick:results`; its CPU seconds read from /proc. A new connection per check.
- blackbox: Debian's prometheus-blackbox-exporter, driven by wrk on /probe (http_2xx), probing the same
  hosts; its probes per second and per CPU-second of the exporter process (wrk's own CPU not counted).
- wrk with `Connection: close` straight at the target: the most connections per second this machine
  serves to one client, target included: the physical limit.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis

from bench.procs import Group, delta, machine_busy_seconds, others_cores, snapshot
from bench.profile import record
from bench.target import TargetFarm
from uptick_common.streams import CHECKS_GROUP, RESULTS_STREAM, CheckJob, CheckResult, checks_stream
from uptick_devstack.infra import free_port

REGION = "bench"
HOSTILE_IDS = 100_000_000  # monitor ids of hostile jobs (`checker_run(hostile=…)`) start here

BLACKBOX_CONFIG = """\
modules:
  http_2xx:
    prober: http
    timeout: 10s
    http:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      valid_status_codes: [200]
"""

# Every request probes the next of the target's hosts; the probes that succeeded are counted.
BLACKBOX_LUA = """\
local count = tonumber(os.getenv("BENCH_HOSTS"))
local port = os.getenv("BENCH_PORT")
local threads = {}
n, ok, bad = 0, 0, 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("n", #threads * 1000003)
end
function request()
  n = n + 1
  local i = n % count
  local host = "127.0." .. math.floor(i / 253) .. "." .. (i % 253 + 2)
  return wrk.format("GET", "/probe?module=http_2xx&target=http://" .. host .. ":" .. port .. "/health")
end
function response(status, headers, body)
  if string.find(body, "probe_success 1", 1, true) then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("bad") end
  io.write(string.format("PROBES ok=%d bad=%d\\n", o, b))
end
"""


# Runs of each of the three, checks per checker run (QUICK: at least RUN_SECONDS' worth at the warm-up's
# rate, so that a faster checker still gets runs long enough to mean something), seconds per wrk run.
FULL = {"runs": 5, "checks": 30_000, "seconds": 10}
QUICK = {"runs": 3, "checks": 4_000, "seconds": 3}
RUN_SECONDS = 2.5
PAUSE_S = 0.5  # between runs: the target's closed connections settle


def planned_seconds(quick: bool, checks_per_s: float = 1500) -> float:
    """What the section should take, for the plan printed up front (checks_per_s: a guess at the checker's)."""
    s = QUICK if quick else FULL
    run = s["checks"] / checks_per_s + PAUSE_S
    return 4 + s["runs"] * run + (run + 1) + 2 * s["runs"] * (s["seconds"] + PAUSE_S) + 1


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 1)


class CheckerProcess:
    def __init__(self, redis_url: str, log: Path, settings: dict[str, str] | None = None) -> None:
        """`settings`: UPTICK_* variables beyond the defaults the bench gives every checker."""
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("UPTICK_")}
        env.update({"UPTICK_REDIS_URL": redis_url, "UPTICK_REGION": REGION, "UPTICK_CONSUMER_NAME": "bench-0",
                    "UPTICK_HEALTH_HOST": "127.0.0.1", "UPTICK_HEALTH_PORT": str(self.port),
                    "UPTICK_CHECKER_ALLOWED_NETWORKS": "127.0.0.0/8", "UPTICK_LOG_FORMAT": "json",
                    **(settings or {})})
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with open(self.log, "ab") as out:  # noqa: ASYNC230
            self.process = subprocess.Popen([sys.executable, "-m", "uptick_checker.main"], env=self.env,  # noqa: ASYNC220
                                            stdout=out, stderr=subprocess.STDOUT)
        async with httpx.AsyncClient(timeout=2) as client:
            for _ in range(300):
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if self.process.poll() is not None:
                    break
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the checker did not start; see {self.log}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def checker_run(client: aioredis.Redis, target: TargetFarm, checks: int, groups: list[Group], first_monitor: int,
                      hostile: Sequence[str] = (), hostile_timeout_s: float = 5.0) -> dict[str, Any]:
    """`checks` jobs of the target added at once; the time until the last result. With `hostile` URLs, one job
    each, spread evenly among the good ones (monitor ids from HOSTILE_IDS): then the good checks' rate is until
    the last good one ended, and the hostile ones' outcomes are counted apart."""
    stream = checks_stream(REGION)
    now = int(time.time() * 1000)
    jobs = [CheckJob(job_id=f"{first_monitor + n}:{REGION}:{now}", monitor_id=first_monitor + n, region=REGION,
                     scheduled_ms=now, url=target.url(first_monitor + n), timeout_seconds=10).fields()
            for n in range(checks)]
    for k, url in enumerate(hostile):
        jobs.insert((k + 1) * checks // (len(hostile) + 1) + k,
                    CheckJob(job_id=f"{HOSTILE_IDS + k}:{REGION}:{now}", monitor_id=HOSTILE_IDS + k, region=REGION,
                             scheduled_ms=now, url=url, timeout_seconds=hostile_timeout_s).fields())
    base = await client.xlen(RESULTS_STREAM)
    before, busy, started = snapshot(groups), machine_busy_seconds(), time.perf_counter()
    started_ms = time.time() * 1000
    for chunk in range(0, len(jobs), 2000):
        async with client.pipeline(transaction=False) as pipe:
            for fields in jobs[chunk:chunk + 2000]:
                pipe.xadd(stream, fields)  # type: ignore[arg-type]
            await pipe.execute()
    deadline = time.monotonic() + 60 + checks / 500
    while await client.xlen(RESULTS_STREAM) < base + len(jobs):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the checker did not finish {checks} checks in time")
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    cpu = delta(before, snapshot(groups))
    others = others_cores(busy, machine_busy_seconds(), cpu, elapsed)
    statuses: dict[str, int] = {}
    hostile_outcomes: dict[str, int] = {}
    good_ended_ms = 0.0
    for _, fields in await client.xrange(RESULTS_STREAM):
        result = CheckResult.from_fields(fields)
        if result.monitor_id >= HOSTILE_IDS:  # by the kind of reason, not its details
            kind = result.status if result.status == "up" else f"down: {(result.error or '').split(':')[0]}"
            hostile_outcomes[kind] = hostile_outcomes.get(kind, 0) + 1
            continue
        key = result.status if result.status == "up" else f"down: {result.error}"
        statuses[key] = statuses.get(key, 0) + 1
        good_ended_ms = max(good_ended_ms, result.checked_ms + (result.latency_ms or 0))
    await client.xtrim(RESULTS_STREAM, maxlen=0, approximate=False)
    await client.xtrim(stream, maxlen=0, approximate=False)
    figures = {"checks": checks, "seconds": round(elapsed, 3), "checks_per_s": round(checks / elapsed, 1),
               "cpu_s": cpu, "checks_per_cpu_s": round(checks / max(cpu["checker"], 1e-6), 1),
               "cpu_us_per_check": round(cpu["checker"] / checks * 1e6, 1), "outcomes": statuses,
               "other_processes_cores": others}
    if hostile:  # the good checks' rate until the last of them ended; the CPU until the last hostile one did
        good_s = max(good_ended_ms - started_ms, 1.0) / 1000
        figures.update(good_seconds=round(good_s, 3), checks_per_s=round(checks / good_s, 1),
                       hostile_jobs=len(hostile), hostile_outcomes=hostile_outcomes)
    return figures


def _wrk(args: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["wrk", *args], capture_output=True, text=True, env=env, timeout=600, check=True)
    return done.stdout


def _wrk_figures(out: str) -> dict[str, Any]:
    requests = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    assert requests, out
    count, seconds = int(requests.group(1)), float(requests.group(2)) * (1e-3 if requests.group(3) == "ms" else 1)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": count, "seconds": seconds, "per_s": round(count / seconds, 1),
            "socket_errors": sum(map(int, errors.groups())) if errors else 0,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}


async def _blackbox_runs(target: TargetFarm, runs: int, seconds: int, work: Path,
                         groups: list[Group]) -> dict[str, Any]:
    binary = shutil.which("prometheus-blackbox-exporter")
    if binary is None or shutil.which("wrk") is None:
        return {"error": "prometheus-blackbox-exporter or wrk missing (bench/install.sh installs them)"}
    (work / "blackbox.yml").write_text(BLACKBOX_CONFIG)
    (work / "blackbox.lua").write_text(BLACKBOX_LUA)
    port = free_port()
    exporter = subprocess.Popen([binary, f"--config.file={work / 'blackbox.yml'}",  # noqa: ASYNC220
                                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=error"],
                                stdout=subprocess.DEVNULL, stderr=open(work / "blackbox.log", "ab"))  # noqa: ASYNC230, SIM115
    try:
        probe = f"http://127.0.0.1:{port}/probe?module=http_2xx&target={target.url(0).split('?')[0]}"
        async with httpx.AsyncClient(timeout=5) as client:
            for _ in range(100):
                try:
                    answer = await client.get(probe)
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            if "probe_success 1" not in answer.text:
                return {"error": f"blackbox_exporter's probe failed: {answer.text[-300:]}"}
        mine = [*groups, Group("blackbox_exporter", [exporter.pid])]
        env = {**os.environ, "BENCH_HOSTS": str(len(target.hosts)), "BENCH_PORT": str(target.port)}
        results = []
        for _ in range(runs):
            before, busy = snapshot(mine), machine_busy_seconds()
            out = await asyncio.to_thread(_wrk, ["-t2", "-c200", f"-d{seconds}s", "--timeout", "10s", "-s",
                                                 str(work / "blackbox.lua"), f"http://127.0.0.1:{port}/"], env)
            cpu = delta(before, snapshot(mine))
            figures = _wrk_figures(out)
            figures["other_processes_cores"] = others_cores(busy, machine_busy_seconds(), cpu, figures["seconds"])
            probes = re.search(r"PROBES ok=(\d+) bad=(\d+)", out)
            figures.update({"probes_ok": int(probes.group(1)) if probes else None,
                            "probes_failed": int(probes.group(2)) if probes else None, "cpu_s": cpu,
                            "per_cpu_s": round(figures["requests"] / max(cpu["blackbox_exporter"], 1e-6), 1)})
            results.append(figures)
            if len(results) < runs:
                await asyncio.sleep(PAUSE_S)
        return {"probes_per_s": _median(results, "per_s"), "probes_per_cpu_s": _median(results, "per_cpu_s"),
                "concurrency": 200, "runs": results}
    finally:
        exporter.terminate()
        exporter.wait(10)


async def _wrk_runs(target: TargetFarm, runs: int, seconds: int, groups: list[Group]) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"error": "wrk missing (bench/install.sh installs it)"}
    results = []
    for n in range(runs):
        before, busy = snapshot(groups), machine_busy_seconds()
        out = await asyncio.to_thread(_wrk, ["-t2", "-c128", f"-d{seconds}s", "--timeout", "10s", "-H",
                                             "Connection: close", target.url(n).split("?")[0]])
        figures = _wrk_figures(out)
        figures["cpu_s"] = delta(before, snapshot(groups))
        figures["other_processes_cores"] = others_cores(busy, machine_busy_seconds(), figures["cpu_s"],
                                                        figures["seconds"])
        results.append(figures)
        if len(results) < runs:
            await asyncio.sleep(PAUSE_S)
    return {"requests_per_s": _median(results, "per_s"), "connections": 128, "runs": results}


async def run(ctx: Any) -> dict[str, Any]:
    settings = QUICK if ctx.quick else FULL
    runs, checks, seconds = settings["runs"], settings["checks"], settings["seconds"]
    client = aioredis.Redis.from_url(ctx.redis.url)
    await client.flushdb()
    await client.xgroup_create(checks_stream(REGION), CHECKS_GROUP, id="0", mkstream=True)
    checker = CheckerProcess(ctx.redis.url, ctx.logs / "checker-alone.log")
    with ctx.timed("checker: start"):
        await checker.start()
    assert checker.process is not None
    groups = [Group("checker", [checker.process.pid]), Group("redis", [ctx.redis.process.pid]),
              Group("target", ctx.target.pids)]
    try:
        with ctx.timed("checker: warm-up"):
            warm = await checker_run(client, ctx.target, 2000, groups, 10_000_000)  # not counted
        if ctx.quick:
            checks = max(checks, int(round(RUN_SECONDS * warm["checks_per_s"], -3)))
        results = []
        with ctx.timed("checker: runs"):
            for n in range(runs):
                results.append(await checker_run(client, ctx.target, checks, groups, n * checks))
                await asyncio.sleep(PAUSE_S)
        ctx.say(f"checker: {[r['checks_per_s'] for r in results]} checks/s ({checks:,} checks a run)")
        with ctx.timed("checker: profile"):
            # A run of its own (py-spy takes CPU too), at least 3 s long; sampled over its middle.
            rate = _median(results, "checks_per_s")
            profiled = max(checks, int(3 * rate))
            profile_task = asyncio.create_task(record(checker.process.pid, 0.8 * profiled / rate,
                                                      ctx.out / "profile-checker-alone.txt"))
            await asyncio.sleep(0.3)
            await checker_run(client, ctx.target, profiled, groups, 20_000_000)  # not counted
            profile = await profile_task
    finally:
        checker.stop()
        await client.aclose()
    section: dict[str, Any] = {
        "checks_per_s": _median(results, "checks_per_s"), "checks_per_cpu_s": _median(results, "checks_per_cpu_s"),
        "cpu_us_per_check": _median(results, "cpu_us_per_check"), "checks_per_run": checks,
        "other_processes_cores": _median(results, "other_processes_cores"), "runs": results,
        "settings": "defaults (concurrency 1000, batch 200, JSON logs to a file: a line per `down` check)",
        "profile": profile,
    }
    with ctx.timed("checker: blackbox"):
        section["blackbox"] = await _blackbox_runs(ctx.target, runs, seconds, ctx.out, groups)
    ctx.say(f"blackbox: {section['blackbox'].get('probes_per_s')} probes/s")
    with ctx.timed("checker: wrk"):
        section["wrk"] = await _wrk_runs(ctx.target, runs, seconds, groups)
    ctx.say(f"wrk: {section['wrk'].get('requests_per_s')} requests/s")
    bb, wrk = section["blackbox"], section["wrk"]
    if "probes_per_s" in bb:
        section["vs_blackbox"] = round(section["checks_per_s"] / bb["probes_per_s"], 2)
        section["per_cpu_vs_blackbox"] = round(section["checks_per_cpu_s"] / bb["probes_per_cpu_s"], 2)
    if "requests_per_s" in wrk:
        section["vs_wrk"] = round(section["checks_per_s"] / wrk["requests_per_s"], 3)
    json.dumps(section)  # fails here, not at the end, if something is not JSON
    return section
