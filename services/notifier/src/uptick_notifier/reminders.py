"""Reminders and escalations of incidents that are open and unacknowledged, each in one transaction with
its notifications (`uptick_common.alerting`): no reminder is lost or told twice, whichever notifier
replica takes it (`FOR UPDATE SKIP LOCKED`).

- A reminder: every `monitors.reminder_interval_seconds`, to the monitor's channels (and, once it has
  escalated, to the escalation channels).
- An escalation: once, `monitors.escalate_after_seconds` after it opened, to `monitors.escalation_channel_ids`.
Acknowledging an incident (through the API or its link) ends both. While the monitor is in maintenance
(an incident open when a window started stays open) both wait; one due meanwhile is told when it ends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from uptick_common import alerting
from uptick_common.channels.notification import Notification

_DUE_REMINDERS = text("""
    WITH due AS (
        SELECT i.id FROM incidents i JOIN monitors m ON m.id = i.monitor_id
        WHERE i.resolved_at IS NULL AND i.acknowledged_at IS NULL AND i.parent_incident_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM monitor_status s WHERE s.monitor_id = i.monitor_id AND s.status = 'maintenance')
          AND m.reminder_interval_seconds IS NOT NULL
          AND coalesce(i.reminded_at, i.opened_at) + m.reminder_interval_seconds * interval '1 second' <= now()
        ORDER BY i.id LIMIT :limit FOR UPDATE OF i SKIP LOCKED)
    UPDATE incidents i SET reminded_at = now() FROM due, monitors m WHERE i.id = due.id AND m.id = i.monitor_id
    RETURNING i.id, i.monitor_id, m.name, m.url, i.started_at, i.cause, i.regions, i.escalated_at
""")
_DUE_ESCALATIONS = text("""
    WITH due AS (
        SELECT i.id FROM incidents i JOIN monitors m ON m.id = i.monitor_id
        WHERE i.resolved_at IS NULL AND i.acknowledged_at IS NULL AND i.parent_incident_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM monitor_status s WHERE s.monitor_id = i.monitor_id AND s.status = 'maintenance')
          AND i.escalated_at IS NULL
          AND m.escalate_after_seconds IS NOT NULL
          AND i.opened_at + m.escalate_after_seconds * interval '1 second' <= now()
        ORDER BY i.id LIMIT :limit FOR UPDATE OF i SKIP LOCKED)
    UPDATE incidents i SET escalated_at = now() FROM due, monitors m WHERE i.id = due.id AND m.id = i.monitor_id
    RETURNING i.id, i.monitor_id, m.name, m.url, i.started_at, i.cause, i.regions, i.escalated_at
""")
_EVENT = text("INSERT INTO incident_events (incident_id, kind) VALUES (:id, :kind) RETURNING id")


async def tell_due(engine: AsyncEngine, *, limit: int = 100) -> int:
    """Queue the reminders and escalations that are due; returns how many incidents were told."""
    told = 0
    async with engine.begin() as conn:
        for row in (await conn.execute(_DUE_ESCALATIONS, {"limit": limit})).all():
            await _tell(conn, row, "escalation", "escalated", usual=False, escalated=True)
            told += 1
    async with engine.begin() as conn:
        for row in (await conn.execute(_DUE_REMINDERS, {"limit": limit})).all():
            await _tell(conn, row, "reminder", "reminded", usual=True, escalated=row.escalated_at is not None)
            told += 1
    return told


async def _tell(conn: AsyncConnection, row: Any, event: str, kind: str, *, usual: bool, escalated: bool) -> None:
    event_id = await conn.scalar(_EVENT, {"id": row.id, "kind": kind})
    note = Notification(event=event, key="", occurred_at=datetime.now(UTC), monitor_id=row.monitor_id,
                        monitor_name=row.name, monitor_url=row.url, incident_id=row.id, started_at=row.started_at,
                        cause=row.cause, regions=list(row.regions))
    await alerting.queue(conn, note, monitor_id=row.monitor_id, event_id=event_id, usual=usual, escalated=escalated)
