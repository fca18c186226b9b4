"""Writing one batch of results: ticks in one statement, then each touched monitor's state, one transaction.

Idempotent: a tick's key is its job (monitor, scheduled time, region), so a redelivered result
inserts nothing and changes no state. Results of monitors deleted meanwhile are dropped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import BigInteger, DateTime, Integer, Text

from uptick_common.checks import AssertionResult
from uptick_common.streams import CheckResult
from uptick_ingest.state import MonitorState, NewTick, Policy, apply

_PHASES = ("dns_ms", "connect_ms", "tls_ms", "ttfb_ms")
_INSERT_TICKS = text(
    """
    INSERT INTO ticks (monitor_id, scheduled_at, region, checked_at, status, http_status, latency_ms, error,
                       dns_ms, connect_ms, tls_ms, ttfb_ms, assertions)
    SELECT t.monitor_id, t.scheduled_at, t.region, t.checked_at, t.status, t.http_status, t.latency_ms, t.error,
           t.dns_ms, t.connect_ms, t.tls_ms, t.ttfb_ms, t.assertions::jsonb
    FROM unnest(:monitor_id, :scheduled_at, :region, :checked_at, :status, :http_status, :latency_ms, :error,
                :dns_ms, :connect_ms, :tls_ms, :ttfb_ms, :assertions)
         AS t(monitor_id, scheduled_at, region, checked_at, status, http_status, latency_ms, error,
              dns_ms, connect_ms, tls_ms, ttfb_ms, assertions)
    WHERE EXISTS (SELECT 1 FROM monitors m WHERE m.id = t.monitor_id)
    ON CONFLICT DO NOTHING
    RETURNING monitor_id, region, checked_at, status, latency_ms, error, http_status
    """
).bindparams(
    bindparam("monitor_id", type_=ARRAY(BigInteger)),
    bindparam("scheduled_at", type_=ARRAY(DateTime(timezone=True))),
    bindparam("region", type_=ARRAY(Text)),
    bindparam("checked_at", type_=ARRAY(DateTime(timezone=True))),
    bindparam("status", type_=ARRAY(Text)),
    bindparam("http_status", type_=ARRAY(Integer)),
    bindparam("latency_ms", type_=ARRAY(Integer)),
    bindparam("error", type_=ARRAY(Text)),
    *(bindparam(phase, type_=ARRAY(Integer)) for phase in _PHASES),
    bindparam("assertions", type_=ARRAY(Text)),  # JSON text, cast in the statement
)

# Rows first (so that concurrent ingest replicas serialise on them), then locked in id order.
_ENSURE_STATE_ROWS = text(
    """
    INSERT INTO monitor_status (monitor_id, status)
    SELECT m.id, 'pending' FROM monitors m WHERE m.id = ANY(:ids)
    ON CONFLICT DO NOTHING
    """
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))
_LOCK_STATE = text(
    """
    SELECT s.monitor_id, s.status, s.last_latency_ms, s.last_checked_at, s.last_error, s.recent_latencies_ms,
           s.regions, s.failing_since, s.passing_since, s.status_changed_at,
           m.regions, m.interval_seconds, m.quorum, m.confirmation_period_seconds, m.recovery_period_seconds
    FROM monitor_status s JOIN monitors m ON m.id = s.monitor_id
    WHERE s.monitor_id = ANY(:ids) ORDER BY s.monitor_id FOR UPDATE OF s
    """
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))
_UPDATE_STATE = text(
    """
    UPDATE monitor_status SET status = :status, last_latency_ms = :last_latency_ms,
        last_checked_at = :last_checked_at, last_error = :last_error,
        recent_latencies_ms = :recent_latencies_ms, regions = :regions, failing_since = :failing_since,
        passing_since = :passing_since, status_changed_at = :status_changed_at, updated_at = now()
    WHERE monitor_id = :monitor_id
    """
).bindparams(bindparam("recent_latencies_ms", type_=ARRAY(Integer)), bindparam("regions", type_=JSONB))


def _json(assertions: list[AssertionResult] | None) -> str | None:
    return None if assertions is None else json.dumps([a.model_dump() for a in assertions])


def _ts(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


async def write_batch(conn: AsyncConnection, results: list[CheckResult]) -> int:
    """Store the batch; returns how many ticks were new (the rest were duplicates)."""
    columns: dict[str, list[object]] = {k: [] for k in (
        "monitor_id", "scheduled_at", "region", "checked_at", "status", "http_status", "latency_ms", "error",
        *_PHASES, "assertions")}
    for r in results:
        for key, value in (
            ("monitor_id", r.monitor_id), ("scheduled_at", _ts(r.scheduled_ms)), ("region", r.region),
            ("checked_at", _ts(r.checked_ms)), ("status", r.status), ("http_status", r.http_status),
            ("latency_ms", r.latency_ms), ("error", r.error),
            *((phase, getattr(r.phases, phase) if r.phases else None) for phase in _PHASES),
            ("assertions", _json(r.assertions)),
        ):
            columns[key].append(value)
    inserted = [NewTick(*row) for row in await conn.execute(_INSERT_TICKS, columns)]
    if inserted:
        await _update_states(conn, inserted)
    return len(inserted)


async def _update_states(conn: AsyncConnection, ticks: list[NewTick]) -> None:
    by_monitor: dict[int, list[NewTick]] = {}
    for tick in ticks:
        by_monitor.setdefault(tick.monitor_id, []).append(tick)
    ids = sorted(by_monitor)
    await conn.execute(_ENSURE_STATE_ROWS, {"ids": ids})
    updates = []
    for row in await conn.execute(_LOCK_STATE, {"ids": ids}):
        (monitor_id, status, latency, checked_at, error, recent, regions, failing_since, passing_since,
         changed_at, monitor_regions, interval, quorum, confirmation, recovery) = row
        state = MonitorState(status, latency, checked_at, error, list(recent or []), dict(regions or {}),
                             failing_since, passing_since, changed_at)
        policy = Policy(tuple(monitor_regions), interval, quorum, confirmation, recovery)
        updates.append({"monitor_id": monitor_id, **apply(state, by_monitor[monitor_id], policy).__dict__})
    if updates:
        await conn.execute(_UPDATE_STATE, updates)
