"""Heartbeat pings: a user's cron job calls its monitor's secret URL; each ping becomes a result
(uptick_common.heartbeats) in `uptick:results`."""

from __future__ import annotations

import time
from typing import cast

import structlog
from fastapi import APIRouter, HTTPException, Request, status
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT
from sqlalchemy import select

from uptick_common.api import DbSession
from uptick_common.db.models import Monitor
from uptick_common.heartbeats import ping_result
from uptick_common.streams import RESULTS_STREAM

router = APIRouter(prefix="/api/heartbeats", tags=["heartbeats"])
log = structlog.get_logger(__name__)
PING_METHODS = ["GET", "POST", "HEAD"]


async def record_ping(redis: Redis, monitor_id: int, *, failed: bool) -> None:
    result = ping_result(monitor_id, time.time_ns() // 1_000_000, failed=failed)
    await redis.xadd(RESULTS_STREAM, cast("dict[FieldT, EncodableT]", result.fields()))


async def _ping(request: Request, session: DbSession, token: str, *, failed: bool) -> dict[str, bool]:
    if len(token) > 64:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no heartbeat monitor has this URL")
    monitor_id = await session.scalar(
        select(Monitor.id).where(Monitor.heartbeat_token == token, Monitor.spec["type"].astext == "heartbeat",
                                 Monitor.paused.is_(False))
    )
    if monitor_id is None:  # unknown, deleted or paused: the same answer, so tokens cannot be probed apart
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no heartbeat monitor has this URL")
    await record_ping(request.app.state.redis, monitor_id, failed=failed)
    log.info("heartbeat ping", monitor_id=monitor_id, failed=failed)
    return {"ok": True}


async def ping(request: Request, session: DbSession, token: str) -> dict[str, bool]:
    """The job ran: the monitor is up until a ping is overdue."""
    return await _ping(request, session, token, failed=False)


async def ping_failure(request: Request, session: DbSession, token: str) -> dict[str, bool]:
    """The job ran and failed: the monitor is down until the next good ping."""
    return await _ping(request, session, token, failed=True)


# One route per method: FastAPI names a multi-method route's operations alike in the OpenAPI document.
for _method in PING_METHODS:
    router.add_api_route("/{token}", ping, methods=[_method], name=f"ping_{_method.lower()}")
    router.add_api_route("/{token}/fail", ping_failure, methods=[_method], name=f"ping_failure_{_method.lower()}")
