"""Incident transitions, decided in the transaction of the state that causes them, with their notifications.

- Confirmed `down` opens an incident (the cause, the regions that saw it, the first failing check) and
  writes one outbox row per channel of the monitor (its `channel_ids`, else the organization's defaults).
- Confirmed `up` resolves it, with one `resolved` row per channel.
- Dependencies: a monitor whose `depends_on` has an open incident opens its own under that one
  (`parent_incident_id`) and alerts nothing, neither down nor resolved, nor reminders.
- Flapping: down again within FLAP_WINDOW of resolving reopens the same incident and marks it; the mark is
  told once (`flapping`), later reopenings are not, and the resolution of a flapping incident is held back
  for FLAP_WINDOW (cancelled if it goes down again meanwhile, unless it is already being sent: a row under
  way has a lease's due time, not a held one), so a flapping monitor is a handful of notifications, not a storm.

The partial unique index on unresolved incidents makes a second opening (a racing replica) a no-op, and the
outbox's unique (event, channel) makes every notification exist once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from uptick_common import alerting
from uptick_common.channels.notification import Notification
from uptick_common.status import MAINTENANCE
from uptick_ingest.state import MonitorState

FLAP_WINDOW = timedelta(minutes=10)


@dataclass
class Transition:
    monitor_id: int
    old_status: str
    state: MonitorState  # the new one
    regions: tuple[str, ...]  # the monitor's regions

    @property
    def failing_regions(self) -> list[str]:
        return sorted(n for n, r in self.state.regions.items() if r.down and n in self.regions)


def transition(monitor_id: int, old_status: str, state: MonitorState, regions: tuple[str, ...]) -> Transition | None:
    """The incident transition a state change makes, if any (pending → up makes none). Entering maintenance
    makes none: an incident open then stays open (its reminders and escalation wait: the notifier). Leaving it
    is decided as if from down: up resolves an incident left open (if any), down opens one (unless one is
    open), from the first check after the window."""
    if state.status in (old_status, MAINTENANCE):
        return None
    if old_status != MAINTENANCE and "down" not in (state.status, old_status):
        return None
    return Transition(monitor_id, old_status, state, regions)


_MONITOR = text("SELECT org_id, name, url FROM monitors WHERE id = :id")
_RECENTLY_RESOLVED = text("""
    SELECT id, flapping, started_at FROM incidents
    WHERE monitor_id = :monitor AND resolved_at > :since ORDER BY id DESC LIMIT 1 FOR UPDATE
""")
_REOPEN = text("""
    UPDATE incidents SET resolved_at = NULL, flapping = true, reopened = reopened + 1, cause = :cause,
        regions = :regions, status = CASE WHEN acknowledged_at IS NULL THEN 'open' ELSE 'acknowledged' END,
        ack_token = CASE WHEN acknowledged_at IS NULL THEN :token END
    WHERE id = :id
""")
_HELD_RESOLUTIONS = text("""
    UPDATE outbox SET status = 'cancelled', finished_at = now()
    WHERE status = 'pending' AND due_at > now() AND attempts = 0
      AND incident_event_id IN (SELECT id FROM incident_events WHERE incident_id = :id AND kind = 'resolved')
""")
# The open incident of the monitor this one depends on, if any.
_PARENT = text("""
    SELECT i.id FROM monitors m JOIN incidents i ON i.monitor_id = m.depends_on AND i.resolved_at IS NULL
    WHERE m.id = :monitor
""")
_OPEN = text("""
    INSERT INTO incidents (org_id, monitor_id, started_at, opened_at, cause, regions, ack_token, parent_incident_id)
    VALUES (:org, :monitor, :started, :opened, :cause, :regions, :token, :parent)
    ON CONFLICT (monitor_id) WHERE resolved_at IS NULL DO NOTHING
    RETURNING id
""")
_RESOLVE = text("""
    UPDATE incidents SET status = 'resolved', resolved_at = :at, ack_token = NULL
    WHERE monitor_id = :monitor AND resolved_at IS NULL
    RETURNING id, flapping, started_at, cause, regions, escalated_at IS NOT NULL, parent_incident_id IS NOT NULL
""")
_EVENT = text("INSERT INTO incident_events (incident_id, at, kind) VALUES (:id, :at, :kind) RETURNING id")
async def record(conn: AsyncConnection, transitions: list[Transition]) -> int:
    """Write the transitions; returns how many incidents were opened (reopenings not counted)."""
    opened = 0
    for change in transitions:
        monitor = (await conn.execute(_MONITOR, {"id": change.monitor_id})).first()
        if monitor is None:
            continue
        if change.state.status == "down":
            opened += await _down(conn, change, monitor)
        else:
            await _up(conn, change, monitor)
    return opened


async def _down(conn: AsyncConnection, change: Transition, monitor: Any) -> bool:
    state = change.state
    at = state.status_changed_at
    assert at is not None
    regions = change.failing_regions
    recent = (await conn.execute(_RECENTLY_RESOLVED, {"monitor": change.monitor_id, "since": at - FLAP_WINDOW})).first()
    if recent is not None:
        incident_id, was_flapping, started = recent
        await conn.execute(_REOPEN, {"id": incident_id, "cause": state.last_error, "regions": regions,
                                     "token": secrets.token_urlsafe(24)})
        await conn.execute(_HELD_RESOLUTIONS, {"id": incident_id})
        event = await conn.scalar(_EVENT, {"id": incident_id, "at": at, "kind": "reopened"})
        if not was_flapping:
            await _notify(conn, change, monitor, "flapping", incident_id, event, started, at)
        return False
    started = state.failing_since or at
    parent = await conn.scalar(_PARENT, {"monitor": change.monitor_id})
    incident_id = await conn.scalar(_OPEN, {"org": monitor.org_id, "monitor": change.monitor_id, "started": started,
                                            "opened": at, "cause": state.last_error, "regions": regions,
                                            "token": None if parent else secrets.token_urlsafe(24), "parent": parent})
    if incident_id is None:  # already open
        return False
    event = await conn.scalar(_EVENT, {"id": incident_id, "at": at, "kind": "opened"})
    if parent is None:  # under its parent's incident, it alerts nothing of its own
        await _notify(conn, change, monitor, "down", incident_id, event, started, at)
    return True


async def _up(conn: AsyncConnection, change: Transition, monitor: Any) -> None:
    at = change.state.status_changed_at
    assert at is not None
    resolved = (await conn.execute(_RESOLVE, {"monitor": change.monitor_id, "at": at})).first()
    if resolved is None:
        return
    incident_id, flapping, started, cause, regions, escalated, under_parent = resolved
    event = await conn.scalar(_EVENT, {"id": incident_id, "at": at, "kind": "resolved"})
    if under_parent:  # never told down, so not told up either
        return
    delay = FLAP_WINDOW if flapping else timedelta(0)
    await _notify(conn, change, monitor, "resolved", incident_id, event, started, at, cause=cause,
                  regions=list(regions), resolved_at=at, delay=delay, escalated=escalated)


async def _notify(conn: AsyncConnection, change: Transition, monitor: Any, event: str, incident_id: int,
                  event_id: int, started: datetime, at: datetime, *, cause: str | None = None,
                  regions: list[str] | None = None, resolved_at: datetime | None = None,
                  delay: timedelta = timedelta(0), escalated: bool = False) -> None:
    note = Notification(
        event=event, key="", occurred_at=at, monitor_id=change.monitor_id, monitor_name=monitor.name,
        monitor_url=monitor.url, incident_id=incident_id, started_at=started, resolved_at=resolved_at,
        cause=cause if resolved_at else change.state.last_error,
        regions=regions if regions is not None else change.failing_regions,
    )
    await alerting.queue(conn, note, monitor_id=change.monitor_id, event_id=event_id, escalated=escalated,
                         delay=delay)
