"""The checker worker: read a region's jobs, check them concurrently, publish one result per job.

Jobs are read only when there is room for them (at most `concurrency` checks in flight, results not yet
published included), so that a job is never taken off the stream only to wait here while another
checker could run it. Each job: its target host's turn (a bounded rate per host, ratelimit.py), check,
then result added to `uptick:results`, then job acknowledged.
A malformed job goes to the dead-letter stream at once. Redis away: wait with backoff, never crash.
SIGTERM (the worker base, uptick_common.worker): stop reading, let in-flight checks finish within the
grace period, cancel the rest (their jobs stay pending and are reclaimed by another checker).
"""

from __future__ import annotations

import asyncio
import math
import time
from functools import partial

import redis.asyncio as aioredis
import structlog

from uptick_checker.http_check import HttpChecker
from uptick_checker.outcome import Outcome, result_of
from uptick_checker.publisher import ResultPublisher
from uptick_checker.ratelimit import HostRateLimiter, host_key
from uptick_checker.settings import CheckerSettings
from uptick_checker.urls import display_url
from uptick_common.consumer import Delivery, StreamConsumer
from uptick_common.faults import is_retryable, reason
from uptick_common.metrics import CHECK_DURATION, CHECKS, CHECKS_OVER_HOST_RATE, RECHECKS, SCHEDULING_LATENESS
from uptick_common.redis import backlog, create_redis
from uptick_common.streams import CHECKS_GROUP, CheckJob, checks_stream
from uptick_common.worker import Worker

log = structlog.get_logger(__name__)

READ_BLOCK_MS = 1000  # how long a read waits for new jobs: also how soon a stop request is noticed
READ_TIMEOUT_S = READ_BLOCK_MS / 1000 + 10  # a read that outlives this is a dead connection
BACKLOG_EVERY_S = 5.0
RECHECK_DELAY_S = 1.0  # long enough for a dropped packet or a restarting server to pass


class Checker(Worker[CheckerSettings]):
    def __init__(self, settings: CheckerSettings, client: aioredis.Redis, http: HttpChecker) -> None:
        super().__init__(settings, redis=client)
        self._client = client
        self._http = http
        self._consumer = StreamConsumer.from_settings(client, checks_stream(settings.region), CHECKS_GROUP, settings)
        self._publisher = ResultPublisher(client, self._consumer.stream, CHECKS_GROUP)
        region = settings.region
        self._counted = {"up": CHECKS.labels(region, "up"), "down": CHECKS.labels(region, "down")}
        self._duration = CHECK_DURATION.labels(region)
        self._lateness = SCHEDULING_LATENESS.labels(region)
        self._limiter = HostRateLimiter(settings.host_rate_per_second, settings.host_burst, settings.host_max_wait)
        self._over_rate = CHECKS_OVER_HOST_RATE.labels(region)
        self._log_up_checks = settings.log_level.lower() == "debug"

    @classmethod
    async def create(cls, settings: CheckerSettings) -> Checker:
        http = await HttpChecker.open(
            allowed_networks=settings.checker_allowed_networks, max_body_bytes=settings.max_body_bytes
        )
        return cls(settings, create_redis(settings.redis_url), http)

    async def close(self) -> None:
        await self._http.close()
        await super().close()

    def started(self) -> None:
        self.background(self._publisher.run())
        self.background(self._report_backlog())

    async def step(self) -> float:
        """Read as many jobs as there is room for (none while every slot is taken) and start them."""
        room = self.settings.concurrency - self.in_flight
        if room <= 0:
            await self.until_one_finishes()
            return 0
        async with asyncio.timeout(READ_TIMEOUT_S):
            deliveries = await self._consumer.read(min(room, self.settings.batch_size), READ_BLOCK_MS)
        for delivery in deliveries:
            self._start(delivery)
        return 0

    def _start(self, delivery: Delivery) -> None:
        try:
            job = CheckJob.from_fields(delivery.fields)
            if not (math.isfinite(job.timeout_seconds) and job.timeout_seconds > 0):
                raise ValueError(f"timeout_seconds must be a positive number, not {job.timeout_seconds}")
        except ValueError as exc:
            why = f"malformed job: {reason(exc)}"
            self.spawn(self.wait_out("redis", partial(self._consumer.dead_letter, delivery, why)))
        else:
            self.spawn(self._paced(delivery, job))

    async def _paced(self, delivery: Delivery, job: CheckJob) -> None:
        """Wait for the target host's turn (see ratelimit.py), then check. A job whose turn is further away
        than `host_max_wait` is checked at once, unpaced, counted and logged: never dropped (every scheduled
        check ends as a result), never left waiting until another checker takes it over and checks it twice."""
        taken = time.monotonic()
        wait = self._limiter.reserve(host_key(job.url))
        if wait is None:
            self._over_rate.inc()
            log.warning("target host over its rate limit: checked without waiting", monitor_id=job.monitor_id,
                        region=job.region, job_id=job.job_id, stream_id=delivery.id, target=display_url(job.url))
        elif wait:
            await asyncio.sleep(wait)
        await self._check(delivery, job, taken)

    async def _check(self, delivery: Delivery, job: CheckJob, taken: float) -> None:
        """`taken`: when the job was taken off the stream (monotonic), before any wait for its host."""
        checked_ms = time.time_ns() // 1_000_000
        self._lateness.observe(max(0.0, (checked_ms - job.scheduled_ms) / 1000))
        timeout = min(job.timeout_seconds, self.settings.max_timeout_seconds)
        outcome = await self._http.check(job.url, timeout, job.spec)
        if outcome.status == "down" and job.confirm_failure and self._recheck_fits(taken, timeout):
            outcome = await self._recheck(job, timeout, outcome)
        self._duration.observe(outcome.latency_ms / 1000)
        self._counted[outcome.status].inc()
        if outcome.status == "down" or self._log_up_checks:  # thousands a second: an up check is a debug line
            (log.info if outcome.status == "down" else log.debug)(
                "check", monitor_id=job.monitor_id, region=job.region, job_id=job.job_id, stream_id=delivery.id,
                target=display_url(job.url), status=outcome.status, http_status=outcome.http_status,
                latency_ms=outcome.latency_ms, error=outcome.error)
        await self._publisher.publish(delivery.id, result_of(job, outcome, checked_ms))

    def _recheck_fits(self, taken: float, timeout: float) -> bool:
        """A re-check must end well before the job could be reclaimed by another checker."""
        budget = self.settings.claim_idle_ms / 1000 * 0.8
        return time.monotonic() - taken + RECHECK_DELAY_S + timeout <= budget

    async def _recheck(self, job: CheckJob, timeout: float, first: Outcome) -> Outcome:
        """A first failure in this region is checked again at once: a dropped packet opens no incident."""
        await asyncio.sleep(RECHECK_DELAY_S)
        outcome = await self._http.check(job.url, timeout, job.spec)
        RECHECKS.labels(job.region, outcome.status).inc()
        log.info("first failure re-checked", monitor_id=job.monitor_id, region=job.region, job_id=job.job_id,
                 first_error=first.error, status=outcome.status, error=outcome.error)
        return outcome

    async def _report_backlog(self) -> None:
        """Keep the backlog gauges of this region's group fresh (for dashboards and autoscaling)."""
        while True:
            try:
                await backlog(self._client, self._consumer.stream, CHECKS_GROUP)
            except Exception as exc:
                if not is_retryable(exc):
                    raise
                log.debug("backlog not measured", error=str(exc) or type(exc).__name__)
            await asyncio.sleep(BACKLOG_EVERY_S)
