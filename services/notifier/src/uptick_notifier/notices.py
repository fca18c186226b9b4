"""Maintenance notices: a window with `notify` tells its monitors' channels once when each occurrence starts
and once when it ends.

- Who notices: the notifier, on its timer (with the reminders, every `reminder_check_seconds`). Start and end
  are moments in time, not results: a monitor checked hourly, or paused, still has its notice on time, which
  ingest (it sees time only as results arrive) could not promise; the notifier already owns the outbox's
  delivery, and the poller only schedules checks.
- Exactly once per occurrence, whatever restarts or replicas: each notice's outbox rows carry
  `dedup_key` = `maintenance:<window>:<occurrence start ms>:<started|ended>`, unique per channel, so a second
  insert (another replica, this one after a restart) is nothing. Keys told are also kept in memory, so a round
  writes only what is new.
- What is told: an occurrence's start while it is on, its end within LOOKBACK of it (a notifier away for longer
  tells no stale end), and only occurrences the window existed for (not the past ones of a new recurring
  window); a window created during an occurrence tells its start at once. A window deleted during an
  occurrence tells no end.
- To whom: the channels of the window's monitors (each monitor's `channel_ids`, else the organization's
  default channels), one notice per channel however many of its monitors it covers; never PagerDuty, which
  pages someone: a notice is not an alert. Notices are never held for a storm (`gathered`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import bindparam

from uptick_common.channels.notification import Notification
from uptick_common.maintenance import Occurrence, Schedule

LOOKBACK = timedelta(hours=1)
MONITOR_NAMES = 20  # listed by name in a notice; the rest are counted

_WINDOWS = text("""
    SELECT id, org_id, name, monitor_ids, all_monitors, kind, starts_at, ends_at, cron, duration_seconds, timezone,
           created_at
    FROM maintenance_windows WHERE notify AND (kind <> 'once' OR ends_at > now() - :lookback * interval '1 second')
""")
_COVERED = "m.org_id = :org AND (:all OR m.id = ANY(:ids))"
_MONITORS = text(f"""
    SELECT count(*) OVER () AS total, m.name FROM monitors m WHERE {_COVERED} ORDER BY m.name LIMIT :most
""")  # noqa: S608 - our own SQL
_QUEUE = text(f"""
    INSERT INTO outbox (channel_id, payload, dedup_key, gathered)
    SELECT c.id, :payload, :key, true FROM channels c
    WHERE c.org_id = :org AND c.type <> 'pagerduty' AND EXISTS (
        SELECT 1 FROM monitors m WHERE {_COVERED}
          AND (c.id = ANY(m.channel_ids) OR (m.channel_ids IS NULL AND c.is_default)))
    ON CONFLICT (dedup_key, channel_id) WHERE dedup_key IS NOT NULL DO NOTHING
""").bindparams(bindparam("payload", type_=JSONB))  # noqa: S608 - our own SQL


def due(schedule: Schedule, created_at: datetime, now: datetime) -> list[tuple[str, Occurrence]]:
    """The notices of one window that are due at `now`: ("started" | "ended", occurrence)."""
    found = []
    for occurrence in schedule.occurrences(now - LOOKBACK, now + timedelta(microseconds=1)):
        if occurrence.ends_at <= created_at:
            continue
        if occurrence.covers(now):
            found.append(("started", occurrence))
        elif occurrence.ends_at <= now:
            found.append(("ended", occurrence))
    return found


class MaintenanceNotices:
    def __init__(self) -> None:
        self._told: dict[str, float] = {}  # key → when it was queued (monotonic), forgotten after LOOKBACK * 2

    async def tell_due(self, engine: AsyncEngine, now: datetime | None = None) -> int:
        """Queue the notices that are due and not yet queued; returns how many notices (not rows) were new."""
        now = now or datetime.now(UTC)
        queued = 0
        async with engine.begin() as conn:
            for window in (await conn.execute(_WINDOWS, {"lookback": LOOKBACK.total_seconds()})).all():
                duration = None if window.duration_seconds is None else timedelta(seconds=window.duration_seconds)
                schedule = Schedule(window.kind, window.starts_at, window.ends_at, window.cron, duration,
                                    window.timezone)
                for what, occurrence in due(schedule, window.created_at, now):
                    key = f"maintenance:{window.id}:{int(occurrence.starts_at.timestamp() * 1000)}:{what}"
                    if key in self._told:
                        continue
                    covered = {"org": window.org_id, "all": window.all_monitors, "ids": list(window.monitor_ids)}
                    names = (await conn.execute(_MONITORS, {**covered, "most": MONITOR_NAMES})).all()
                    note = _notice(window, what, occurrence, names, now)
                    await conn.execute(_QUEUE, {**covered, "payload": note.model_dump(mode="json"), "key": key})
                    self._told[key] = time.monotonic()
                    queued += 1
        self._forget()
        return queued

    def _forget(self) -> None:
        horizon = time.monotonic() - 2 * LOOKBACK.total_seconds()
        for key in [k for k, at in self._told.items() if at < horizon]:
            del self._told[key]


def _notice(window: Any, what: str, occurrence: Occurrence, names: Sequence[Any], now: datetime) -> Notification:
    return Notification(
        event="maintenance_started" if what == "started" else "maintenance_ended", key="", occurred_at=now,
        window_id=window.id, window_name=window.name, window_starts_at=occurrence.starts_at,
        window_ends_at=occurrence.ends_at, monitor_names=[n.name for n in names],
        monitor_count=names[0].total if names else 0)
