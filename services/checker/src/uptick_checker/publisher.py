"""Results leave in batches: one script adds every result of a batch to `uptick:results`, then
acknowledges their jobs.

Result first, ack second, in one script that no other command interleaves with: a job is never
acknowledged without its result. Should the reply be lost (the connection drops after the script ran),
the batch is sent again and its results are in the stream twice; ingest stores each once (it dedups on
job_id). A batch costs one round trip and one command to encode, however many results it holds (a
pipeline of XADDs cost redis-py ~10 µs of encoding and parsing per result), and uses one Redis
connection however many checks are in flight.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from functools import partial

import redis.asyncio as aioredis
import structlog

from uptick_common.backoff import retry_forever
from uptick_common.streams import RESULTS_STREAM, CheckResult

log = structlog.get_logger(__name__)

WRITE_TIMEOUT_S = 10.0  # a write that hangs (a silent network) is retried on a new connection

# KEYS: the results stream, the jobs stream. ARGV: the group, then a job's stream id and its result's data, …
_PUBLISH = """
local acked = {}
for i = 2, #ARGV, 2 do
  redis.call('XADD', KEYS[1], '*', 'data', ARGV[i + 1])
  acked[#acked + 1] = ARGV[i]
end
return redis.call('XACK', KEYS[2], ARGV[1], unpack(acked))
"""


@dataclass(frozen=True)
class _Outgoing:
    delivery_id: str
    data: str
    sent: asyncio.Future[None]


class ResultPublisher:
    def __init__(self, client: aioredis.Redis, jobs_stream: str, group: str, *, max_batch: int = 500) -> None:
        self._script = client.register_script(_PUBLISH)
        self._jobs_stream = jobs_stream
        self._group = group
        self._max_batch = max_batch
        self._queue: deque[_Outgoing] = deque()
        self._wake = asyncio.Event()

    async def publish(self, delivery_id: str, result: CheckResult) -> None:
        """Returns once the result is in `uptick:results` and its job is acknowledged."""
        sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Outgoing(delivery_id, result.fields()["data"], sent))
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
                    await retry_forever("redis", partial(self._send, batch))
                except Exception as exc:  # noqa: BLE001 - not transient (a Redis error reply): the jobs stay
                    log.error("results not published, their jobs stay pending", count=len(batch), error=str(exc))
                    _settle(batch, exc)
                else:
                    _settle(batch, None)

    async def _send(self, batch: list[_Outgoing]) -> None:
        args = [self._group]
        for item in batch:
            args += (item.delivery_id, item.data)
        async with asyncio.timeout(WRITE_TIMEOUT_S):
            await self._script(keys=[RESULTS_STREAM, self._jobs_stream], args=args)


def _settle(batch: list[_Outgoing], error: Exception | None) -> None:
    for item in batch:
        if item.sent.done():  # its check was cancelled meanwhile
            continue
        if error is None:
            item.sent.set_result(None)
        else:
            item.sent.set_exception(error)
