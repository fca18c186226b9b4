"""Claiming due monitors and moving their schedule on: the one query the poller lives by.

`FOR UPDATE SKIP LOCKED` lets any number of pollers claim disjoint monitors. Each monitor is checked on
its own slots: every `interval` seconds, shifted by a phase derived from its id, so that monitors
created together are spread over the interval instead of being checked in the same second. A poller
that was away skips the slots it missed rather than firing them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import structlog
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from uptick_common.checks import HEARTBEAT_REGION, CheckSpec
from uptick_common.checks.spec import DEFAULT_SPEC, stored_spec
from uptick_common.status import RegionResult, RegionResults

log = structlog.get_logger(__name__)

# Knuth's multiplicative hash spreads consecutive ids over [0, 1): phase = fraction of the interval.
# Each claimed row is read once (its slot computed from the locked row) and updated once. Its state row is
# looked up by key per row (a subquery, never a join a plan made while monitor_status was small would hash
# whole). Its check travels as the column's text: validated once per definition (checks.spec.stored_spec).
_CLAIM = text(
    """
    WITH due AS (
        SELECT id, next_due_at AS due_at,
               ((id * 2654435761) % 4294967296)::float8 / 4294967296 * interval_seconds AS phase,
               -- a heartbeat is looked at every 30 s at most, so an overdue ping is noticed soon
               CASE WHEN spec->>'type' = 'heartbeat' THEN LEAST(interval_seconds, 30) ELSE interval_seconds END AS step
        FROM monitors
        WHERE NOT paused AND next_due_at <= now()
        ORDER BY next_due_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE monitors m
    -- The next slot after now, and never the slot just claimed: a slot is stored rounded to the microsecond,
    -- so one claimed in its very microsecond could compute as the same slot again (seen twice in 4.4M claims
    -- by `make bench`: the same job scheduled twice, stored once).
    SET next_due_at = CASE WHEN n.slot > due.due_at THEN n.slot ELSE n.slot + make_interval(secs => due.step) END
    FROM due CROSS JOIN LATERAL (SELECT to_timestamp(
        (floor((extract(epoch FROM now()) - due.phase) / due.step) + 1) * due.step + due.phase) AS slot) n
    WHERE m.id = due.id
    RETURNING m.id, m.url, m.timeout_seconds, m.regions, due.due_at,
        (SELECT s.regions::text FROM monitor_status s WHERE s.monitor_id = m.id) AS region_results,
        GREATEST(m.created_at, m.updated_at) AS changed_at, m.interval_seconds, m.spec::text AS spec
    """
)
@dataclass(frozen=True)
class DueMonitor:
    id: int
    url: str
    timeout_seconds: int
    regions: list[str]
    due_at: datetime
    region_results: dict[str, RegionResult] = field(default_factory=dict)  # each region's latest
    changed_at: datetime | None = None  # its creation or last change
    interval_seconds: int = 0
    spec: CheckSpec = DEFAULT_SPEC

    @property
    def last_sign(self) -> datetime | None:
        """Heartbeat monitors: the last ping, or the monitor's creation or change if that came later."""
        ping = self.region_results.get(HEARTBEAT_REGION)
        return max((t for t in (self.changed_at, ping.checked_at if ping else None) if t is not None), default=None)


async def claim_due(conn: AsyncConnection, limit: int) -> list[DueMonitor]:
    """The API validated every definition; one that is invalid all the same (written by hand, or by a
    later version) is not scheduled, and said so, rather than stopping the poller."""
    due = []
    for monitor_id, url, timeout, regions, due_at, results, changed_at, interval, spec in await conn.execute(
            _CLAIM, {"limit": limit}):
        try:
            checked = stored_spec(spec)
        except ValidationError as exc:
            log.error("monitor not scheduled: its check definition is invalid", monitor_id=monitor_id,
                      problems=exc.error_count())
            continue
        due.append(DueMonitor(monitor_id, url, timeout, regions, due_at, _results(monitor_id, results), changed_at,
                              interval, checked))
    return due


def _results(monitor_id: int, text: str | None) -> dict[str, RegionResult]:
    """The regions' latest results (ingest wrote them); unreadable ones count as none, and are said so."""
    if not text:
        return {}
    try:
        return RegionResults.validate_json(text)
    except ValidationError:
        log.error("monitor's region results are unreadable: scheduled as if it had none", monitor_id=monitor_id)
        return {}
