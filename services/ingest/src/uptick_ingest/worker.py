"""The ingest worker: results in batches from `uptick:results`, one transaction per batch, then ack.

Acknowledging only after the commit means a kill at any moment loses nothing: unacknowledged results
are read again (by this consumer after a restart, or reclaimed by another) and stored once.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from pydantic import ValidationError
from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from uptick_common.backoff import TRANSIENT_ERRORS, delay_for
from uptick_common.consumer import Delivery, StreamConsumer
from uptick_common.metrics import INGEST_BATCH_DURATION, INGEST_BATCH_SIZE, INGEST_TICKS
from uptick_common.readiness import check_dependencies
from uptick_common.redis import backlog
from uptick_common.streams import RESULTS_GROUP, RESULTS_STREAM, CheckResult
from uptick_ingest.settings import IngestSettings
from uptick_ingest.store import write_batch

log = structlog.get_logger(__name__)


class Ingest:
    def __init__(self, settings: IngestSettings, engine: AsyncEngine, redis: Redis) -> None:
        self.settings, self.engine, self.redis = settings, engine, redis
        self.consumer = StreamConsumer(
            redis, RESULTS_STREAM, RESULTS_GROUP, settings.consumer_name,
            claim_idle_ms=settings.claim_idle_ms, max_deliveries=settings.max_deliveries,
        )
        self._stopping = asyncio.Event()
        self._next_backlog = 0.0
        for outcome in ("stored", "duplicate"):  # zero series from the start, so rate() has two points
            INGEST_TICKS.labels(outcome)

    async def run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                await self.ingest_once()
                failures = 0
            except TRANSIENT_ERRORS as exc:
                delay = delay_for(failures)
                failures += 1
                log.warning("ingest failed, retrying", error=type(exc).__name__, retry_in_s=round(delay, 2))
                await asyncio.sleep(delay)

    async def ingest_once(self) -> int:
        """Read one batch and store it; returns the number of messages handled."""
        deliveries = await self.consumer.read(self.settings.batch_size, self.settings.batch_wait_ms)
        if not deliveries:
            await self._report_backlog()
            return 0
        results: list[CheckResult] = []
        ids: list[str] = []
        for delivery in deliveries:
            result = await self._parse(delivery)
            if result is not None:
                results.append(result)
                ids.append(delivery.id)
        if results:
            await self._store(results)
        await self.consumer.ack(ids)
        await self._report_backlog()
        return len(deliveries)

    async def _parse(self, delivery: Delivery) -> CheckResult | None:
        try:
            return CheckResult.from_fields(delivery.fields)
        except (ValidationError, ValueError) as exc:
            await self.consumer.dead_letter(delivery, f"malformed result: {exc}"[:500])
            return None

    async def _store(self, results: list[CheckResult]) -> None:
        started = time.perf_counter()
        for attempt in range(3):
            try:
                async with self.engine.begin() as conn:
                    stored = await write_batch(conn, results)
                break
            except IntegrityError:  # a monitor deleted while its results were in flight: try again
                if attempt == 2:
                    raise
        duration = time.perf_counter() - started
        INGEST_BATCH_SIZE.observe(len(results))
        INGEST_BATCH_DURATION.observe(duration)
        INGEST_TICKS.labels("stored").inc(stored)
        INGEST_TICKS.labels("duplicate").inc(len(results) - stored)
        log.debug("batch stored", results=len(results), stored=stored, duration_ms=round(duration * 1000, 1))

    async def _report_backlog(self) -> None:
        """Every few seconds: publish the backlog gauges and trim results past retention."""
        if time.monotonic() >= self._next_backlog:
            self._next_backlog = time.monotonic() + 5
            await backlog(self.redis, RESULTS_STREAM, RESULTS_GROUP)
            if (trim_before := self.settings.trim_before()) is not None:
                await self.redis.xtrim(RESULTS_STREAM, minid=trim_before, approximate=True)

    def request_stop(self) -> None:
        self._stopping.set()

    async def ready(self) -> dict[str, str]:
        return await check_dependencies(engine=self.engine, redis=self.redis)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.engine.dispose()
