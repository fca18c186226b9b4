"""The one shape of every worker process (poller, checker, ingest, and the notifier to come).

A worker subclasses `Worker` and writes `step()`: one round of work (a batch claimed, read, stored), returning
how long to rest before the next round (0: go on at once). The base owns everything else:

- the stop event and `sleep()`, a rest that a stop request cuts short;
- dependencies: the Postgres engine and Redis client passed to `__init__` are waited for at start (one log
  line per attempt, backoff), answer `/readyz`, and are closed at the end;
- faults (`uptick_common.faults`): a retryable one raised by `step()` is waited out with backoff and the
  round tried again; `wait_out()` does the same for a piece of work that must not be given up (a batch that
  is already claimed); anything else ends the process visibly;
- `spawn()`: work in flight beside the loop (the checker's checks), reaped so that its errors are logged;
  `background()`: helpers that live as long as the loop (a publisher);
- SIGTERM/SIGINT: stop taking new work; the round in progress and the work in flight get
  `shutdown_grace_seconds` to finish, then are cancelled (unacknowledged messages stay pending for another
  consumer);
- `main(name, settings, factory)`: logging, uvloop, and `/healthz` `/readyz` `/metrics` on `health_port`
  from the first second, before any dependency answers: `/healthz` says the process is alive (what a
  liveness or startup probe asks), `/readyz` says whether its dependencies answer.

The fourth worker, as the notifier would be written:

    class Notifier(Worker):
        def __init__(self, settings: NotifierSettings, engine: AsyncEngine, redis: Redis) -> None:
            super().__init__(settings, engine=engine, redis=redis)

        async def step(self) -> float:
            rows = await deliver_due(self.engine, self.settings.batch_size)  # Postgres away: raises, retried
            return 0 if rows else self.settings.idle_seconds

    def main() -> None:  # services/notifier/src/uptick_notifier/main.py
        run_worker("notifier", NotifierSettings, Notifier.create)
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import structlog
import uvloop
from pydantic import ValidationError
from redis.asyncio import Redis

from uptick_common.backoff import delay_for
from uptick_common.faults import is_retryable
from uptick_common.health import HealthServer
from uptick_common.logging import configure_logging
from uptick_common.readiness import check_dependencies
from uptick_common.settings import WorkerSettings

if TYPE_CHECKING:  # a worker without Postgres (the checker) never imports SQLAlchemy
    from sqlalchemy.ext.asyncio import AsyncEngine

log = structlog.get_logger(__name__)
T = TypeVar("T")
S = TypeVar("S", bound=WorkerSettings)


class Worker(Generic[S]):
    """Subclass as `Worker[MySettings]`; a worker of Postgres and Redis may declare `engine: AsyncEngine` and
    `redis: Redis` at class level to say that it always has them."""

    def __init__(self, settings: S, *, engine: AsyncEngine | None = None, redis: Redis | None = None) -> None:
        self.settings = settings
        self.engine, self.redis = engine, redis
        self.stopping = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._helpers: list[asyncio.Task[None]] = []

    @classmethod
    async def create(cls, settings: Any) -> Self:
        """A worker of Postgres and Redis whose constructor is `(settings, engine, redis)`. Nothing connects
        yet: `run()` waits for them. A worker of other dependencies overrides this."""
        from uptick_common.db.engine import create_engine
        from uptick_common.redis import create_redis

        return cls(settings, create_engine(settings.database_url, pool_size=2),  # type: ignore[call-arg]
                   create_redis(settings.redis_url))

    # --- what a worker writes ---

    async def step(self) -> float:
        """One round of work; returns the seconds to rest before the next one (0: at once)."""
        raise NotImplementedError

    def started(self) -> None:
        """Called once the dependencies answer, before the first round: start `background()` helpers here."""

    # --- what the base gives ---

    def request_stop(self) -> None:
        if not self.stopping.is_set():
            log.info("stop requested: finishing the work in flight", in_flight=len(self._in_flight),
                     grace_s=self.settings.shutdown_grace_seconds)
        self.stopping.set()

    async def sleep(self, seconds: float) -> bool:
        """Rest for `seconds`, or less if a stop is requested meanwhile; True when it was."""
        if not self.stopping.is_set():
            try:
                async with asyncio.timeout(seconds):
                    await self.stopping.wait()
            except TimeoutError:
                pass
        return self.stopping.is_set()

    async def wait_out(self, what: str, action: Callable[[], Awaitable[T]]) -> T:
        """`action()` until it succeeds: a retryable fault is waited out with backoff, however long it lasts,
        and counts as nothing. A stop request ends the wait by raising the last fault."""
        attempt = 0
        while True:
            try:
                return await action()
            except Exception as exc:
                if not is_retryable(exc) or self.stopping.is_set():
                    raise
                await self._back_off(what, exc, attempt)
                attempt += 1

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Work in flight beside the loop; a stop waits for it (within the grace period)."""
        task = asyncio.create_task(work)
        self._in_flight.add(task)
        task.add_done_callback(self._reap)
        return task

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def until_one_finishes(self) -> None:
        """Wait until some work in flight is done (room for more)."""
        if self._in_flight:
            await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)

    def background(self, work: Coroutine[Any, Any, None]) -> None:
        """A helper that runs as long as the loop and is cancelled after the work in flight is done."""
        self._helpers.append(asyncio.create_task(work))

    async def ready(self) -> dict[str, str]:
        """Empty when every dependency answers; otherwise which do not, and why (shown by /readyz)."""
        return await check_dependencies(engine=self.engine, redis=self.redis)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        if self.engine is not None:
            await self.engine.dispose()

    async def run(self) -> None:
        """Until a stop is requested; then the grace period for what is in progress, then cancel it."""
        loop = asyncio.create_task(self._loop())
        stop = asyncio.create_task(self.stopping.wait())
        try:
            await asyncio.wait({loop, stop}, return_when=asyncio.FIRST_COMPLETED)
            if not loop.done():
                await asyncio.wait({loop}, timeout=self.settings.shutdown_grace_seconds)
            if not loop.done():
                log.warning("grace period over: cancelling the work in progress, its messages stay pending",
                            in_flight=len(self._in_flight))
                loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)
            if not loop.cancelled() and (exc := loop.exception()) is not None:
                raise exc
        finally:
            stop.cancel()
            await _cancel([*self._in_flight, *self._helpers, stop])

    # --- the loop ---

    async def _loop(self) -> None:
        if not await self._dependencies_answer():
            return
        self.started()
        attempt = 0
        while not self.stopping.is_set():
            try:
                rest = await self.step()
            except Exception as exc:
                if not is_retryable(exc):
                    raise
                if self.stopping.is_set():
                    break
                await self._back_off("work", exc, attempt)
                attempt += 1
                continue
            attempt = 0
            if rest > 0:
                await self.sleep(rest)
        if self._in_flight:
            await asyncio.wait(self._in_flight)

    async def _dependencies_answer(self) -> bool:
        """Wait (one log line per attempt, backoff) until every dependency answers; False if stopped first."""
        attempt = 0
        while not self.stopping.is_set():
            failures = await self.ready()
            if not failures:
                log.info("dependencies answer", attempts=attempt + 1)
                return True
            delay = delay_for(attempt)
            log.warning("waiting for dependencies", failures=failures, attempt=attempt + 1, retry_in_s=round(delay, 2))
            attempt += 1
            await self.sleep(delay)
        return False

    async def _back_off(self, what: str, exc: BaseException, attempt: int) -> None:
        delay = delay_for(attempt)
        log.warning("dependency unavailable, retrying", work=what, attempt=attempt + 1, retry_in_s=round(delay, 2),
                    error=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
        await self.sleep(delay)

    def _reap(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("work in flight failed, its message stays pending", error=str(exc) or type(exc).__name__,
                      exc_info=exc)


async def _cancel(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class _Starting:
    """What /readyz says before the worker exists (its settings read, its clients being made)."""

    worker: Worker[Any] | None = None

    async def ready(self) -> dict[str, str]:
        return await self.worker.ready() if self.worker is not None else {"worker": "starting"}


async def serve(service: str, settings: S, factory: Callable[[S], Awaitable[Worker[S]] | Worker[S]]) -> None:
    starting = _Starting()
    health = HealthServer(settings.health_host, settings.health_port, starting.ready)
    await health.start()  # first: a probe gets an answer while the dependencies are still awaited
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        made = factory(settings)
        worker = await made if inspect.isawaitable(made) else made
        starting.worker = worker
        stop_watch = asyncio.create_task(_forward(stop, worker))
        _tune_gc()
        log.info("worker started", health_port=settings.health_port)
        try:
            await worker.run()
        finally:
            stop_watch.cancel()
            await worker.close()
            log.info("worker stopped")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await health.close()


async def _forward(stop: asyncio.Event, worker: Worker[Any]) -> None:
    await stop.wait()
    worker.request_stop()


def _tune_gc() -> None:
    # The cyclic garbage collector cost the checker a fifth of its CPU (measured by `make bench`): what
    # start-up made (modules, schemas, settings) lives as long as the process, so it is frozen out of the
    # collector's way; and a young collection every 700 allocations (the default) walked the objects of
    # every check in flight several times per check. Every 20,000 instead: cycles live a little longer.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


def load_settings(service: str, settings: type[S] | S) -> S:
    """Settings built from the environment; invalid ones are said without their values (they may hold
    credentials) and end the process."""
    if not isinstance(settings, type):
        return settings
    try:
        return settings()
    except ValidationError as exc:
        problems = "\n".join(f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SystemExit(f"uptick-{service}: invalid settings\n{problems}") from None


def main(service: str, settings: type[S] | S, factory: Callable[[S], Awaitable[Worker[S]] | Worker[S]]) -> None:
    """Run a worker process until SIGTERM: `settings` (a class, read from the environment, or an instance)
    and `factory(settings)`, which makes the worker without waiting for anything."""
    config = load_settings(service, settings)
    configure_logging(service, config.log_level, config.log_format)
    uvloop.run(serve(service, config, factory))
