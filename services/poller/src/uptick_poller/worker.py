"""The poller: claims due monitors and adds one job per selected region to that region's stream.

Jobs are added before the claiming transaction commits. If the poller dies in between, the monitors
are still due and are claimed again with the same scheduled time, hence the same job ids: at worst a
job is sent twice (ingest stores it once), never lost.
"""

from __future__ import annotations

import time
from typing import cast

import structlog
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT
from sqlalchemy.ext.asyncio import AsyncEngine

from uptick_common.heartbeats import overdue_result
from uptick_common.metrics import JOBS_SCHEDULED, JOBS_SHED
from uptick_common.redis import backlog, trim_processed
from uptick_common.status import confirm_failure
from uptick_common.streams import (
    CHECKS_GROUP,
    RESULTS_STREAM,
    CheckJob,
    checks_stream,
    job_id,
)
from uptick_common.worker import Worker
from uptick_poller.schedule import DueMonitor, claim_due
from uptick_poller.settings import PollerSettings

log = structlog.get_logger(__name__)


def _job(monitor: DueMonitor, region: str, scheduled_ms: int) -> str:
    """The job's message (CheckJob.fields), its spec the monitor's validated one, shared and not validated again."""
    return CheckJob(
        job_id=job_id(monitor.id, region, scheduled_ms), monitor_id=monitor.id, region=region,
        scheduled_ms=scheduled_ms, url=monitor.url, timeout_seconds=monitor.timeout_seconds, spec=monitor.spec,
        confirm_failure=confirm_failure(monitor.region_results, region),
    ).fields()["data"]


# One call adds a region's jobs of a batch: redis-py packs and reads back one command, not one per job
# (a pipeline of XADDs cost more client CPU than everything else the poller does per job).
_ADD_JOBS = """
for i = 1, #ARGV do
    redis.call('XADD', KEYS[1], '*', 'data', ARGV[i])
end
return #ARGV
"""
_JOBS_PER_CALL = 1000


class Poller(Worker[PollerSettings]):
    engine: AsyncEngine
    redis: Redis

    def __init__(self, settings: PollerSettings, engine: AsyncEngine, redis: Redis) -> None:
        super().__init__(settings, engine=engine, redis=redis)
        self._shedding: set[str] = set()
        self._next_backlog_check = 0.0
        self._add_jobs = redis.register_script(_ADD_JOBS)
        for region in settings.regions:  # zero series from the start, so dashboards show 0, not "no data"
            JOBS_SHED.labels(region)
            JOBS_SCHEDULED.labels(region)

    async def step(self) -> float:
        await self._refresh_backlogs()
        claimed = await self.poll_once()
        return 0 if claimed >= self.settings.batch_size else self.settings.tick_seconds  # full: more are due now

    async def poll_once(self) -> int:
        """Claim one batch of due monitors and schedule their checks; returns how many were claimed."""
        async with self.engine.begin() as conn:
            due = await claim_due(conn, self.settings.batch_size)
            if due:
                await self._enqueue(due)
        return len(due)

    async def _enqueue(self, due: list[DueMonitor]) -> None:
        configured = set(self.settings.regions)
        jobs: dict[str, list[str]] = {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for monitor in due:
                if monitor.spec.type == "heartbeat":
                    missed = overdue_result(monitor.id, monitor.due_at, last_sign=monitor.last_sign,
                                            period_seconds=monitor.interval_seconds,
                                            grace_seconds=monitor.spec.grace_seconds)
                    if missed is not None:
                        pipe.xadd(RESULTS_STREAM, cast("dict[FieldT, EncodableT]", missed.fields()))
                    continue
                scheduled_ms = int(monitor.due_at.timestamp() * 1000)
                for region in monitor.regions:
                    if region not in configured:
                        continue
                    if region in self._shedding:
                        JOBS_SHED.labels(region).inc()
                        continue
                    jobs.setdefault(region, []).append(_job(monitor, region, scheduled_ms))
            for region, datas in jobs.items():
                for start in range(0, len(datas), _JOBS_PER_CALL):
                    await self._add_jobs(keys=[checks_stream(region)], args=datas[start:start + _JOBS_PER_CALL],
                                         client=pipe)
            await pipe.execute()
        for region, datas in jobs.items():
            JOBS_SCHEDULED.labels(region).inc(len(datas))

    async def _refresh_backlogs(self) -> None:
        if time.monotonic() < self._next_backlog_check:
            return
        self._next_backlog_check = time.monotonic() + self.settings.backlog_check_seconds
        trim_before = self.settings.trim_before()
        for region in self.settings.regions:
            if trim_before is not None:  # only what the region's checkers acknowledged (uptick_common.redis)
                await trim_processed(self.redis, checks_stream(region), trim_before)
            size = (await backlog(self.redis, checks_stream(region), CHECKS_GROUP)).total
            over = size > self.settings.max_backlog
            if over and region not in self._shedding:
                log.warning("region backlog over its bound: shedding new jobs", region=region, backlog=size,
                            max_backlog=self.settings.max_backlog)
                self._shedding.add(region)
            elif not over and region in self._shedding:
                log.info("region backlog back under its bound", region=region, backlog=size)
                self._shedding.discard(region)
