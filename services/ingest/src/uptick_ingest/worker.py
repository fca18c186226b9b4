"""The ingest worker: results in batches from `uptick:results`, one transaction per batch, then ack.

Acknowledging only after the commit means a kill at any moment loses nothing: unacknowledged results
are read again (by this consumer after a restart, or reclaimed by another) and stored once. An outage of
Postgres, however long, is waited out holding the batch (uptick_common.faults: retryable); a result that
Postgres can never take is dead-lettered alone (permanent), its neighbours are stored.
"""

from __future__ import annotations

import time
from functools import partial

import structlog
from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from uptick_common.consumer import Delivery, StreamConsumer
from uptick_common.faults import is_permanent, reason
from uptick_common.metrics import INCIDENTS_OPENED, INGEST_BATCH_DURATION, INGEST_BATCH_SIZE, INGEST_TICKS
from uptick_common.redis import backlog, trim_processed
from uptick_common.streams import RESULTS_GROUP, RESULTS_STREAM, CheckResult
from uptick_common.worker import Worker
from uptick_ingest.maintenance import Calendar
from uptick_ingest.settings import IngestSettings
from uptick_ingest.store import write_batch

log = structlog.get_logger(__name__)


class Ingest(Worker[IngestSettings]):
    engine: AsyncEngine
    redis: Redis

    def __init__(self, settings: IngestSettings, engine: AsyncEngine, redis: Redis) -> None:
        super().__init__(settings, engine=engine, redis=redis)
        self.consumer = StreamConsumer.from_settings(redis, RESULTS_STREAM, RESULTS_GROUP, settings)
        self._next_backlog = 0.0
        self.calendar = Calendar(settings.maintenance_refresh_seconds)
        for outcome in ("stored", "duplicate"):  # zero series from the start, so rate() has two points
            INGEST_TICKS.labels(outcome)

    async def step(self) -> float:
        await self.ingest_once()
        return 0  # an idle stream was waited on by the read

    async def ingest_once(self) -> int:
        """Read one batch and settle it (stored, or dead-lettered message by message); returns the number of
        messages handled. A batch once read is kept until it is settled: while Postgres or Redis is away it is
        kept claimed and tried again with backoff, so that the wait counts no delivery."""
        deliveries = await self.consumer.read(self.settings.batch_size, self.settings.batch_wait_ms)
        if not deliveries:
            await self._report_backlog()
            return 0
        batch: list[tuple[Delivery, CheckResult]] = []
        poisoned: list[tuple[Delivery, str]] = []
        for delivery in deliveries:
            try:
                batch.append((delivery, CheckResult.from_fields(delivery.fields)))
            except ValueError as exc:  # pydantic's ValidationError included
                poisoned.append((delivery, f"malformed result: {reason(exc)}"))
        async with self.consumer.holding([d.id for d in deliveries]):
            if batch:
                poisoned += await self.wait_out("postgres", partial(self._store, batch))
            bad = {d.id for d, _ in poisoned}
            await self.wait_out("redis", partial(self.consumer.ack, [d.id for d, _ in batch if d.id not in bad]))
            for delivery, why in poisoned:
                await self.wait_out("redis", partial(self.consumer.dead_letter, delivery, why))
        await self._report_backlog()
        return len(deliveries)

    async def _store(self, batch: list[tuple[Delivery, CheckResult]]) -> list[tuple[Delivery, str]]:
        """Store the batch in one transaction; returns the messages that can never be stored, with the reason.
        A permanent fault (Postgres rejects a value) is narrowed down by halves to the messages that cause it,
        and every other one is stored; a retryable fault is raised, to try the whole batch again (what was
        committed meanwhile is stored once: ingest is idempotent)."""
        try:
            await self._write([result for _, result in batch])
        except Exception as exc:
            if not is_permanent(exc):
                raise
            if len(batch) == 1:
                return [(batch[0][0], f"result rejected by Postgres: {reason(exc)}")]
            half = len(batch) // 2
            return await self._store(batch[:half]) + await self._store(batch[half:])
        return []

    async def _write(self, results: list[CheckResult]) -> None:
        started = time.perf_counter()
        for attempt in range(3):
            try:
                async with self.engine.begin() as conn:
                    written = await write_batch(conn, results, rollups=self.settings.ingest_rollups,
                                                calendar=self.calendar)
                break
            except IntegrityError:  # a monitor deleted while its results were in flight: try again
                if attempt == 2:
                    raise
        duration = time.perf_counter() - started
        INGEST_BATCH_SIZE.observe(len(results))
        INGEST_BATCH_DURATION.observe(duration)
        INGEST_TICKS.labels("stored").inc(written.stored)
        INGEST_TICKS.labels("duplicate").inc(len(results) - written.stored)
        INCIDENTS_OPENED.inc(written.incidents_opened)  # after the commit: a batch tried again counts once
        log.debug("batch stored", results=len(results), stored=written.stored, duration_ms=round(duration * 1000, 1))

    async def _report_backlog(self) -> None:
        """Every few seconds: publish the backlog gauges and trim results past retention."""
        if time.monotonic() >= self._next_backlog:
            self._next_backlog = time.monotonic() + 5
            await backlog(self.redis, RESULTS_STREAM, RESULTS_GROUP)
            if (trim_before := self.settings.trim_before()) is not None:
                await trim_processed(self.redis, RESULTS_STREAM, trim_before)  # only what ingest acknowledged
