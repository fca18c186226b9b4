"""The whole pipeline (poller → checker → ingest → Postgres) at fixed offered loads.

Monitors go straight into Postgres (one INSERT), all paused; a load of L checks/s unpauses the first
L × 30 monitors (30-second interval, one region), each first due at its own slot of the interval (the
poller's phase), so the load is level from the first second. Per window:

- scheduled / checked / stored per second: the poller's and checkers' counters, the ticks committed;
- scheduling lateness (a tick's checked_at − scheduled_at) and end-to-end latency (its commit time, from
  Postgres' track_commit_timestamp, − scheduled_at), over every tick due in the window, read once the
  load is stopped and the pipeline has drained (so late checks count, however late);
- CPU seconds per 1,000 checks and peak memory (PSS) per service, the streams' backlog every second.

A load is sustained when p99 lateness < 2 s, nothing was shed and every job due in the window was stored
(the pipeline drained). The ladder of loads is walked from a rung in its middle, up while a load is
sustained and down while not, until the verdict flips. After the ladder every job the poller scheduled must
be a stored tick.
"""

from __future__ import annotations

import asyncio
import re
import signal
import statistics
import time
from typing import Any

import httpx
import psycopg
import redis.asyncio as aioredis

from bench.procs import Group, delta, machine_busy_seconds, others_cores, snapshot
from bench.profile import record
from bench.servers import BenchStack
from uptick_common import tokens
from uptick_common.db.migrate import upgrade
from uptick_common.redis import backlog
from uptick_common.streams import CHECKS_GROUP, RESULTS_GROUP, RESULTS_STREAM, CheckJob, checks_stream
from uptick_devstack.infra import free_port
from uptick_devstack.stack import StackConfig

REGION = "bench"
INTERVAL = 30
LATENESS_LIMIT_S = 2.0
FULL_RUNGS = (500.0, 1000.0, 1500.0, 2000.0, 2500.0, 3000.0, 3300.0, 3600.0, 4000.0, 5000.0, 6000.0)
# Where the walk up or down the ladder starts when the checker was not measured first: just under the fixed
# load, which machine A held on 2026-11-28 (bench/RESULTS.md).
QUICK_FIRST_RUNG, FULL_FIRST_RUNG = 2600.0, 3000.0
# Otherwise near what the pipeline held on the machines measured so far, for what one checker process did
# alone: 4,000/s for 5,587 (0.72), 1,200-1,500/s for 2,037 (0.59-0.74) and 4,500/s for 5,436 (0.83). A slow
# machine then does not spend minutes overloaded on rungs far above it, and a fast one does not climb from far
# below.
PIPELINE_PER_CHECKER_ALONE = 0.65
TEN_MINUTES_S = 600
# The streams' retention on the bench's stack: the longest window, its warm-up and the minute or two until its
# load is off and its jobs are read back. With the default (600 s) the poller trimmed the first ~2,200 jobs of
# the ten minutes before they were read back (machine C, 2026-11-28). Valkey holds 12 minutes, not 10.
STREAM_RETENTION_S = TEN_MINUTES_S + 120


def first_rung(quick: bool, fixed: float, checker_alone_per_s: float | None) -> float:
    """The load the ladder's walk starts from (next_load takes the rung nearest it)."""
    if not checker_alone_per_s:
        return QUICK_FIRST_RUNG if quick else FULL_FIRST_RUNG
    guess = PIPELINE_PER_CHECKER_ALONE * checker_alone_per_s
    return min(guess, fixed) if quick else guess

_ACTIVATE = """
UPDATE monitors SET paused = false, next_due_at = to_timestamp(
    (floor((extract(epoch FROM now()) + 1 - p.phase) / %(step)s) + 1) * %(step)s + p.phase)
FROM (SELECT id, ((id * 2654435761) %% 4294967296)::float8 / 4294967296 * %(step)s AS phase FROM monitors
      WHERE id <= %(n)s AND paused AND user_id = %(user)s) p
WHERE monitors.id = p.id
"""

_TICKS_DUE = """
SELECT monitor_id, (extract(epoch FROM scheduled_at) * 1000)::bigint,
       extract(epoch FROM checked_at - scheduled_at), extract(epoch FROM pg_xact_commit_timestamp(xmin) - scheduled_at),
       status
FROM ticks WHERE scheduled_at >= to_timestamp(%(t0)s) AND scheduled_at < to_timestamp(%(t1)s)
"""

_STORED_PER_SECOND = """
SELECT floor(extract(epoch FROM pg_xact_commit_timestamp(xmin))) AS s, count(*) FROM ticks
WHERE scheduled_at >= to_timestamp(%(t0)s) - interval '10 minutes'
  AND pg_xact_commit_timestamp(xmin) >= to_timestamp(%(t0)s) AND pg_xact_commit_timestamp(xmin) < to_timestamp(%(t1)s)
GROUP BY 1
"""


def _quantiles(values: list[float]) -> tuple[float | None, float | None, float | None]:
    if not values:
        return None, None, None
    ordered = sorted(values)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)  # noqa: E731
    return pick(0.5), pick(0.99), round(ordered[-1], 3)


def _metric(text: str, name: str) -> float:
    return sum(float(m.group(1)) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+]+)$", text, re.M))


async def due_jobs(redis: aioredis.Redis, stream: str, t0: float, t1: float) -> tuple[list[tuple[int, int]], bool]:
    """(monitor, scheduled ms) of every job due in [t0, t1) still in the job stream, and whether that is all of
    them: False when the stream's retention has trimmed entries from where the window's jobs begin."""
    jobs = []
    first_id = int(t0 * 1000) - 1000  # a job is added once due: its entry id is after t0 (a second's margin)
    start = f"{first_id}-0"
    while True:
        entries = await redis.xrange(stream, min=start, max="+", count=20_000)
        for _entry_id, fields in entries:
            job = CheckJob.from_fields(fields)
            if t0 * 1000 <= job.scheduled_ms < t1 * 1000:
                jobs.append((job.monitor_id, job.scheduled_ms))
        if len(entries) < 20_000:
            break
        start = "(" + entries[-1][0].decode()
    info = await redis.xinfo_stream(stream)
    trimmed = info["entries-added"] > info["length"]  # nothing else deletes from a job stream
    oldest_kept = int(info["recorded-first-entry-id"].split(b"-")[0])
    return jobs, not trimmed or oldest_kept <= first_id


class Pipeline:
    def __init__(self, ctx: Any, checkers: int) -> None:
        self.ctx, self.checkers = ctx, checkers
        self.database_url = ""
        self.stack: BenchStack | None = None
        self.redis = aioredis.Redis.from_url(ctx.redis.url)
        self.user_id = 0
        self.monitors = 0
        self.groups: list[Group] = []
        self.peak_mib: dict[str, float] = {}
        self.backlog_series: list[list[float]] = []
        self.origin = time.time()
        self.load = 0.0

    # --- set-up ---

    async def start(self, monitors: int) -> None:
        ctx = self.ctx
        await self.redis.flushdb()
        with ctx.timed("pipeline: database, migrations"):
            self.database_url = ctx.postgres.fresh_database("uptick_bench")
            await asyncio.to_thread(upgrade, self.database_url)
        keys = ctx.out / "keys"
        tokens.generate_keypair(keys / "jwt-private.pem", keys / "jwt-public.pem")
        self.stack = BenchStack(StackConfig(
            database_url=self.database_url, redis_url=ctx.redis.url, keys_dir=keys, regions=(REGION,),
            router_port=free_port(), overrides={"UPTICK_LOG_FORMAT": "json", "UPTICK_ENV": "dev",
                                                      "UPTICK_STREAM_RETENTION_SECONDS": str(STREAM_RETENTION_S)}),
            ctx.logs, checkers_per_region=self.checkers)
        with ctx.timed("pipeline: start services"):
            await self.stack.start(timeout=120)
        began = time.monotonic()
        async with httpx.AsyncClient(base_url=self.stack.url, timeout=30) as client:
            body = {"email": "pipeline@bench.example", "password": "a long bench password"}
            assert (await client.post("/api/auth/signup", json=body)).status_code == 201
            token = (await client.post("/api/auth/login", json=body)).json()["access_token"]
            self.user_id = (await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})).json()["id"]
        target = ctx.target
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO monitors (org_id, user_id, name, url, interval_seconds, timeout_seconds, regions, paused,"
                " next_due_at)"
                " SELECT (SELECT id FROM organizations WHERE personal_for = %(user)s), %(user)s, 'bench ' || n,"
                "        'http://127.0.' || ((n %% %(hosts)s) / 253) || '.'"
                "        || ((n %% %(hosts)s) %% 253 + 2) || ':' || %(port)s || '/health?m=' || n,"
                "        %(step)s, 5, ARRAY[%(region)s], true, now() + interval '1 day'"
                " FROM generate_series(0, %(count)s - 1) n",
                {"user": self.user_id, "hosts": len(target.hosts), "port": target.port, "step": INTERVAL,
                 "region": REGION, "count": monitors})
            conn.execute("ANALYZE monitors")
        ctx.add_time("pipeline: user, monitors", time.monotonic() - began)
        self.monitors = monitors
        stack = self.stack
        self.groups = [
            Group("poller", [stack.pid("poller")]), *(Group(n, [stack.pid(n)]) for n in stack.checkers()),
            Group("ingest", [stack.pid("ingest")]), Group("postgres", tree_root=ctx.postgres.pid),
            Group("redis", [ctx.redis.process.pid]), Group("target", ctx.target.pids),
        ]

    async def set_load(self, per_second: float) -> int:
        """Unpause the first `per_second × interval` monitors (each at its own next slot), pause the rest."""
        n = round(per_second * INTERVAL)
        self.load = per_second
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("UPDATE monitors SET paused = true WHERE user_id = %s AND id > %s AND NOT paused",
                         (self.user_id, n))
            conn.execute(_ACTIVATE, {"step": INTERVAL, "n": n, "user": self.user_id})
        return n

    # --- measuring ---

    async def _scrape(self) -> dict[str, float]:
        assert self.stack is not None
        totals = {"scheduled": 0.0, "shed_poller": 0.0, "checked": 0.0, "shed_checker": 0.0, "dead": 0.0}
        async with httpx.AsyncClient(timeout=5) as client:
            for name, service in self.stack.services.items():
                if name not in ("poller", "ingest") and not name.startswith("checker-"):
                    continue
                text = (await client.get(f"http://127.0.0.1:{service.health_port}/metrics")).text
                totals["scheduled"] += _metric(text, "uptick_jobs_scheduled_total")
                totals["shed_poller"] += _metric(text, "uptick_jobs_shed_total")
                totals["checked"] += _metric(text, "uptick_checks_total")
                totals["shed_checker"] += _metric(text, "uptick_checks_shed_total")
                totals["dead"] += _metric(text, "uptick_dead_letters_total")
        return totals

    async def backlogs(self) -> tuple[int, int]:
        jobs = (await backlog(self.redis, checks_stream(REGION), CHECKS_GROUP)).total
        results = (await backlog(self.redis, RESULTS_STREAM, RESULTS_GROUP)).total
        return jobs, results

    async def _sample(self, stop: asyncio.Event) -> None:
        """Every second: the streams' backlog; every other second: each service's memory."""
        beat = 0
        while not stop.is_set():
            jobs, results = await self.backlogs()
            self.backlog_series.append([round(time.time() - self.origin, 1), self.load, jobs, results])
            if beat % 2 == 0:
                for group in self.groups:
                    mib = await asyncio.to_thread(group.memory)
                    self.peak_mib[group.name] = round(max(self.peak_mib.get(group.name, 0.0), mib), 1)
            beat += 1
            try:
                await asyncio.wait_for(stop.wait(), 1)
            except TimeoutError:
                pass

    async def drain(self, timeout: float) -> float | None:
        """Seconds until both streams had nothing waiting or pending, or None if that took too long."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if await self.backlogs() == (0, 0):
                return round(time.monotonic() - started, 1)
            await asyncio.sleep(0.25)
        return None

    async def settle(self) -> None:
        """Wait for the backlog a window left (an overloaded one's) to clear before what comes next: up to two
        minutes in QUICK, fifteen in the full run."""
        await self.drain(120 if self.ctx.quick else 900)

    async def window(self, load: float, seconds: float, *, warm: float, drain_timeout: float,
                     profile: bool = False) -> dict[str, Any]:
        """Offer `load` checks/s, measure `seconds` of it, stop the load, let it drain (up to `drain_timeout`; not
        at all when the backlog is more than that much checking at the window's pace), then read back every job
        due in the window: its lateness and end-to-end latency if it was stored, a lower bound of both
        (now − due) if it was not yet."""
        if seconds >= 60:  # the full run's windows: say what the next minutes are spent on
            self.ctx.say(f"pipeline @ {load:g}/s for {seconds:g} s…")
        with self.ctx.timed("pipeline windows: load on"):
            active = await self.set_load(load)
        with self.ctx.timed("pipeline windows: warm-up"):
            await asyncio.sleep(warm)
        stop = asyncio.Event()
        t0 = time.time()
        sampler = asyncio.create_task(self._sample(stop))
        counters0, cpu0, busy0 = await self._scrape(), snapshot(self.groups), machine_busy_seconds()
        profiles: dict[str, Any] = {}
        if profile:
            assert self.stack is not None
            names = ["poller", "ingest", *self.stack.checkers()[:1]]
            found = await asyncio.gather(*(record(self.stack.pid(n), seconds, self.ctx.out / f"profile-{n}.txt")
                                           for n in names))
            profiles = dict(zip(names, found, strict=True))
        else:
            await asyncio.sleep(seconds)
        t1 = time.time()
        counters1, cpu1, busy1 = await self._scrape(), snapshot(self.groups), machine_busy_seconds()
        backlog_at_end = await self.backlogs()
        self.ctx.add_time("pipeline windows: measured", time.time() - t0)
        # A backlog that more than `drain_timeout` of checking at the window's pace would not clear is not waited
        # for: the window is not sustained either way, and its figures are lower bounds.
        pace = (counters1["checked"] - counters0["checked"]) / (t1 - t0)
        hopeless = backlog_at_end[0] > pace * drain_timeout
        with self.ctx.timed("pipeline windows: load off"):
            await self.set_load(0)
        with self.ctx.timed("pipeline windows: drain"):
            drained = None if hopeless else await self.drain(drain_timeout)
            stop.set()
            await sampler
        read_started = time.monotonic()
        read_at = time.time()
        elapsed = t1 - t0
        counts = {k: counters1[k] - counters0[k] for k in counters1}
        cpu = delta(cpu0, cpu1)
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            ticks = conn.execute(_TICKS_DUE, {"t0": t0, "t1": t1}).fetchall()
            per_second = [n for _, n in conn.execute(_STORED_PER_SECOND, {"t0": t0, "t1": t1}).fetchall()]
        stored = {(m, ms) for m, ms, *_ in ticks}
        due, due_complete = await due_jobs(self.redis, checks_stream(REGION), t0, t1)
        waiting = [read_at - ms / 1000 for m, ms in due if (m, ms) not in stored]
        lateness = _quantiles([float(t[2]) for t in ticks] + waiting)
        e2e = _quantiles([float(t[3]) for t in ticks] + waiting)
        # Each stage's CPU per 1,000 of its own units of work in the window: jobs scheduled, checks done, rows
        # stored (committed between t0 and t1, as the CPU was counted: not the ticks due in the window, fewer
        # of which are stored by now when the load is more than the pipeline holds).
        rows = sum(per_second)
        units = {"poller": counts["scheduled"], "ingest": rows, "postgres": rows}
        per_1000 = {name: round(cpu[name] / max(units.get(name, counts["checked"]), 1) * 1000, 3) for name in cpu}
        checker_names = [g.name for g in self.groups if g.name.startswith("checker-")]
        per_1000["checkers"] = round(sum(per_1000[n] for n in checker_names), 3)
        per_1000["all"] = round(sum(v for n, v in per_1000.items() if n != "checkers"), 3)
        result = {
            "offered_per_s": load, "monitors_active": active, "seconds": round(elapsed, 1),
            "scheduled_per_s": round(counts["scheduled"] / elapsed, 1),
            "checked_per_s": round(counts["checked"] / elapsed, 1),
            "stored_per_s": round(sum(per_second) / elapsed, 1),
            "stored_per_s_min_max": [min(per_second, default=0), max(per_second, default=0)],
            "jobs_due_in_window": len(due) if due_complete else None, "stored_of_them": len(ticks),
            "not_yet_stored": len(waiting), "due_jobs_complete": due_complete,
            "down_ticks": sum(1 for t in ticks if t[4] == "down"),
            "lateness_p50_s": lateness[0], "lateness_p99_s": lateness[1], "lateness_max_s": lateness[2],
            "e2e_p50_s": e2e[0], "e2e_p99_s": e2e[1], "e2e_max_s": e2e[2],
            "lower_bounds": bool(waiting),
            "shed": counts["shed_poller"] + counts["shed_checker"], "dead_letters": counts["dead"],
            "backlog_at_end": {"jobs": backlog_at_end[0], "results": backlog_at_end[1]},
            "drain_s": drained, "drain_not_waited_for": hopeless, "cpu_s": cpu, "cpu_s_per_1000": per_1000,
            "cpu_cores_busy": round(sum(cpu.values()) / elapsed, 2),
            "other_processes_cores": others_cores(busy0, busy1, cpu, elapsed),
        }
        result["sustained"] = bool(
            drained is not None and due_complete and not waiting and result["shed"] == 0
            and result["lateness_p99_s"] is not None and result["lateness_p99_s"] < LATENESS_LIMIT_S)
        if profiles:
            result["profiles"] = profiles
        result["read_back_s"] = round(time.monotonic() - read_started, 1)
        self.ctx.add_time("pipeline windows: read back", result["read_back_s"])
        self.ctx.say(f"pipeline @ {load:g}/s: checked {result['checked_per_s']}/s, stored {result['stored_per_s']}/s,"
                     f" lateness p50/p99 {result['lateness_p50_s']}/{result['lateness_p99_s']} s"
                     f"{' (lower bounds)' if waiting else ''}, sustained: {result['sustained']}")
        return result

    async def all_stored(self) -> dict[str, Any]:
        """Every job the poller scheduled is a stored tick (the poller never restarted: its counter is all)."""
        counters = await self._scrape()
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            ticks = conn.execute("SELECT count(*) FROM ticks").fetchone()[0]  # type: ignore[index]
        return {"jobs_scheduled": int(counters["scheduled"]), "ticks_stored": ticks,
                "shed": int(counters["shed_poller"] + counters["shed_checker"]), "dead_letters": int(counters["dead"]),
                "every_check_stored": ticks == counters["scheduled"] and counters["shed_checker"] == 0}

    async def quiet(self) -> None:
        """No more checks: the poller and the checkers stop; ingest stores what results there are."""
        assert self.stack is not None
        names = ["poller", *self.stack.checkers()]
        for name in names:
            self.stack.kill(name, signal.SIGTERM)
        await asyncio.gather(*(self.stack.wait_exit(name, timeout=30) for name in names))
        deadline = time.monotonic() + 60
        while (await self.backlogs())[1] and time.monotonic() < deadline:  # noqa: ASYNC110 - polling Redis
            await asyncio.sleep(0.5)

    async def stop(self) -> None:
        if self.stack is not None:
            await self.stack.stop()
        await self.redis.aclose()


def _round(values: list[float | None] | None, i: int) -> float | None:
    return round(values[i], 3) if values and values[i] is not None else None


def _median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def summarize_fixed(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ["scheduled_per_s", "checked_per_s", "stored_per_s", "lateness_p50_s", "lateness_p99_s",
            "e2e_p50_s", "e2e_p99_s", "cpu_cores_busy", "other_processes_cores"]
    summary: dict[str, Any] = {key: _median_of(runs, key) for key in keys}
    summary["sustained_checks_per_s"] = summary["checked_per_s"]
    summary["ingest_rows_per_s"] = summary.pop("stored_per_s")
    summary["lower_bounds"] = any(r["lower_bounds"] for r in runs)
    services = runs[0]["cpu_s_per_1000"].keys()
    summary["cpu_s_per_1000_checks"] = {
        s: round(statistics.median(r["cpu_s_per_1000"][s] for r in runs), 3) for s in services}
    summary["sustained_every_run"] = all(r["sustained"] for r in runs)
    return summary


async def run(ctx: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The pipeline figures, then (on the same stack, the load stopped) the API figures."""
    from bench import api

    quick, fixed = ctx.quick, ctx.pipeline_load
    want_pipeline, want_api = "pipeline" in ctx.sections, "api" in ctx.sections
    pipeline = Pipeline(ctx, ctx.checkers)
    section: dict[str, Any] = {"region": REGION, "interval_s": INTERVAL, "checker_processes": ctx.checkers,
                               "target_hosts": len(ctx.target.hosts)}
    api_section: dict[str, Any] | None = None
    started = time.monotonic()
    try:
        await pipeline.start(round(max(rungs(quick, fixed)) * INTERVAL) if want_pipeline else 0)
        section["setup_s"] = round(time.monotonic() - started, 1)
        if want_pipeline:
            try:
                await _measure(pipeline, section, quick, fixed,
                               first_rung(quick, fixed, ctx.checker_alone_per_s))
            except Exception as exc:  # noqa: BLE001 - recorded; the API figures may still come
                section["error"] = f"{type(exc).__name__}: {exc}"
                ctx.say(f"pipeline failed: {section['error']}")
        if want_api:
            assert pipeline.stack is not None
            with ctx.timed("pipeline: quiet (before the API)"):
                await pipeline.quiet()
            try:
                api_section = await api.run(ctx, pipeline.stack, pipeline.database_url, REGION)
            except Exception as exc:  # noqa: BLE001
                api_section = {"error": f"{type(exc).__name__}: {exc}"}
                ctx.say(f"api failed: {api_section['error']}")
    finally:
        with ctx.timed("pipeline: stop services"):
            await pipeline.stop()
    section["seconds"] = round(time.monotonic() - started, 1)
    return (section if want_pipeline else None), api_section


async def _measure(pipeline: Pipeline, section: dict[str, Any], quick: bool, fixed: float, start: float) -> None:
    """The ladder first (each window drained before the next), then the fixed load: when it is more than
    the machine sustains it is overloaded. Then one more fixed-load window for the profiles, the only one that
    may be left undrained (QUICK)."""
    window, warm = (6, 2) if quick else (60, 10)
    section["max_sustained"] = await _search(pipeline, fixed, quick, window, warm, start)
    with pipeline.ctx.timed("pipeline: drain after the ladder, all stored"):
        await pipeline.settle()
        section["every_check_stored"] = await pipeline.all_stored()
    count, fixed_window = (1, 8) if quick else (3, 60)
    runs = []
    for _ in range(count):
        runs.append(await pipeline.window(fixed, fixed_window, warm=warm, drain_timeout=60 if quick else 300))
        if runs[-1]["drain_s"] is None:
            await pipeline.settle()
    section["fixed_load"] = {"offered_per_s": fixed, "windows": count, "window_s": runs[0]["seconds"],
                             **summarize_fixed(runs), "runs": runs}
    # py-spy takes a fifth of a core from the services it samples (0.32 cores busy beside them instead of
    # 0.10 on machine B, and 20 % fewer checks): its window is one of its own, not among the measured ones.
    profiled = await pipeline.window(fixed, fixed_window, warm=warm, profile=True,
                                     drain_timeout=5 if quick else 300)
    section["profiles"] = profiled.pop("profiles", None)
    section["profiled_window"] = {key: profiled[key] for key in (
        "offered_per_s", "seconds", "checked_per_s", "lateness_p99_s", "cpu_cores_busy", "other_processes_cores")}
    if not quick:
        best = section["max_sustained"]["checks_per_s"] or 0
        if best >= fixed:
            await pipeline.settle()
            section["ten_minutes"] = await pipeline.window(fixed, TEN_MINUTES_S, warm=warm, drain_timeout=600)
            section["every_check_stored_after_ten_minutes"] = await pipeline.all_stored()
        else:
            section["ten_minutes"] = {"skipped": f"the highest load sustained ({best:g}/s) is below {fixed:g}/s"}
    section["peak_memory_mib"] = pipeline.peak_mib
    series = pipeline.backlog_series
    stride = max(1, len(series) // 300)
    section["backlog_series"] = {"columns": ["t_s", "offered_per_s", "jobs_backlog", "results_backlog"],
                                 "every_nth": stride, "rows": series[::stride]}


def rungs(quick: bool, fixed: float) -> list[float]:
    """The ladder's loads (checks/s). QUICK: ×1.6 from 600, up to the fixed load (the top rung: a QUICK run
    does not look above it; a rung far above what the machine holds costs half a minute of draining); full:
    steps of 500 with the fixed load among them, up to 6,000."""
    if not quick:
        return sorted({*FULL_RUNGS, fixed})
    found, load = [], 600.0
    while load < fixed:
        found.append(load)
        load = round(load * 1.6, -2)
    return [*found, fixed]


def next_load(ladder: list[float], start: float, held: dict[float, bool]) -> float | None:
    """The next rung to try, given the verdicts so far (in the order tried): the rung nearest `start` first,
    then the one above the last if it held, below if not; None once the verdict flipped or the ladder ends."""
    if not held:
        return min(ladder, key=lambda load: abs(load - start))
    last = next(reversed(held))
    i = ladder.index(last) + (1 if held[last] else -1)
    return ladder[i] if 0 <= i < len(ladder) and ladder[i] not in held else None


def halfway_load(held: dict[float, bool]) -> float | None:
    """Halfway between the highest load held and the lowest not (rounded to 100), if both are known."""
    ok = [load for load, sustained in held.items() if sustained]
    bad = [load for load, sustained in held.items() if not sustained]
    if not ok or not bad:
        return None
    halfway = round((max(ok) + min(bad)) / 2, -2)
    return halfway if halfway not in held else None


def planned_seconds(quick: bool, fixed: float, capacity: float) -> float:
    """A guess at what the section takes, for the plan printed up front, on a machine that sustains
    `capacity` checks/s: its walk up or down the ladder and the fixed-load windows, each drained of the backlog
    an overload leaves (but QUICK's last), and, when `capacity` ≥ the fixed load, the full run's ten minutes."""
    window, fixed_window, warm = (6, 8, 2) if quick else (60, 60, 10)
    extra = 4 if quick else 8  # per window: load on and off, drain what is in flight, read back

    def one(load: float, seconds: float, drained: bool = True) -> float:
        backlog = max(0.0, load - capacity) * (warm + seconds) / capacity if drained else 0.0
        return warm + seconds + extra + backlog  # the backlog: seconds of checking at `capacity`

    ladder, held = rungs(quick, fixed), {}
    start = first_rung(quick, fixed, capacity / PIPELINE_PER_CHECKER_ALONE)  # a checker as fast as `capacity` says
    while (load := next_load(ladder, start, held)) is not None:
        held[load] = load <= capacity
    tried = [*held, *([] if quick or (halfway := halfway_load(held)) is None else [halfway])]
    seconds = (8 if quick else 15) + warm + sum(one(load, window) for load in tried)
    seconds += one(fixed, fixed_window) * (1 if quick else 3)
    seconds += one(fixed, fixed_window, drained=not quick)  # the profiled window (QUICK's last: not drained)
    if not quick and capacity >= fixed:
        seconds += one(fixed, TEN_MINUTES_S)
    return seconds + 2  # quiet, stop


async def _search(pipeline: Pipeline, fixed: float, quick: bool, window: float, warm: float,
                  start: float) -> dict[str, Any]:
    """The highest load sustained (p99 lateness under 2 s, nothing shed, every job due stored). The ladder is
    walked from the rung nearest `start`: up while a load is sustained, down while it is not, until the verdict
    flips (so two or three windows find it, not all the rungs below it); the full run then tries once halfway
    between the highest load sustained and the lowest not. Each window is drained before the next."""
    steps: list[dict[str, Any]] = []

    async def step(load: float) -> bool:
        # The first window of the run gets a longer warm-up: the services have only just started.
        steps.append(await pipeline.window(load, window, warm=warm if steps else 2 * warm,
                                           drain_timeout=60 if quick else 300))
        if steps[-1]["drain_s"] is None:
            await pipeline.settle()
        return steps[-1]["sustained"]

    ladder = rungs(quick, fixed)
    held: dict[float, bool] = {}
    while (load := next_load(ladder, start, held)) is not None:
        held[load] = await step(load)
    if not quick and (halfway := halfway_load(held)) is not None:
        await step(halfway)
    passed = [s["offered_per_s"] for s in steps if s["sustained"]]
    failed = [s["offered_per_s"] for s in steps if not s["sustained"]]
    return {"checks_per_s": max(passed, default=None), "first_not_sustained_per_s": min(failed, default=None),
            "criteria": f"p99 lateness < {LATENESS_LIMIT_S:g} s, nothing shed, every job due in the window stored",
            "rungs": ladder, "started_near_per_s": round(start), "top_rung_sustained": bool(held.get(ladder[-1])),
            "steps": steps}
