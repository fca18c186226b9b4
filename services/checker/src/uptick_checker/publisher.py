"""Results leave in batches: XADD every result of a batch to `uptick:results`, then XACK their jobs.

Result first, ack second: a process killed in between leaves the job pending, whoever reclaims it
checks it again and ingest stores the result once (it dedups on job_id); the other order could lose a
check. A batch costs two round trips however many results it holds, and uses one Redis connection
however many checks are in flight.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import cast

import redis.asyncio as aioredis
import structlog
from redis.typing import EncodableT, FieldT

from uptick_common.backoff import retry_forever
from uptick_common.streams import RESULTS_STREAM, CheckResult

log = structlog.get_logger(__name__)

WRITE_TIMEOUT_S = 10.0  # a write that hangs (a silent network) is retried on a new connection


@dataclass(frozen=True)
class _Outgoing:
    delivery_id: str
    fields: dict[FieldT, EncodableT]
    sent: asyncio.Future[None]


class ResultPublisher:
    def __init__(self, client: aioredis.Redis, jobs_stream: str, group: str, *, max_batch: int = 500) -> None:
        self._client = client
        self._jobs_stream = jobs_stream
        self._group = group
        self._max_batch = max_batch
        self._queue: deque[_Outgoing] = deque()
        self._wake = asyncio.Event()

    async def publish(self, delivery_id: str, result: CheckResult) -> None:
        """Returns once the result is in `uptick:results` and its job is acknowledged."""
        sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        fields = cast("dict[FieldT, EncodableT]", result.fields())  # str → str is what redis-py encodes
        self._queue.append(_Outgoing(delivery_id, fields, sent))
        self._wake.set()
        await sent

    async def run(self) -> None:
        """Send whatever has queued up, batch after batch, until cancelled. Redis away: wait and retry."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
                try:
                    await retry_forever("redis", partial(self._add, batch))
                    await retry_forever("redis", partial(self._ack, batch))
                except Exception as exc:  # noqa: BLE001 - not transient (a Redis error reply): the jobs stay
                    log.error("results not published, their jobs stay pending", count=len(batch), error=str(exc))
                    _settle(batch, exc)
                else:
                    _settle(batch, None)

    async def _add(self, batch: list[_Outgoing]) -> None:
        async with asyncio.timeout(WRITE_TIMEOUT_S), self._client.pipeline(transaction=False) as pipe:
            for item in batch:
                pipe.xadd(RESULTS_STREAM, item.fields)
            await pipe.execute()

    async def _ack(self, batch: list[_Outgoing]) -> None:
        async with asyncio.timeout(WRITE_TIMEOUT_S):
            await self._client.xack(self._jobs_stream, self._group, *(item.delivery_id for item in batch))


def _settle(batch: list[_Outgoing], error: Exception | None) -> None:
    for item in batch:
        if item.sent.done():  # its check was cancelled meanwhile
            continue
        if error is None:
            item.sent.set_result(None)
        else:
            item.sent.set_exception(error)
