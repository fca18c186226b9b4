"""An incident event's notifications, written into the outbox: one row per channel it goes to, in the
transaction of the event. Ingest writes those of openings, resolutions and flapping; the notifier those of
reminders and escalations.

A monitor's channels are its own `channel_ids`, else its organization's default channels; its escalation
channels are told once the incident has escalated. Only channels of the monitor's organization, ever.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import bindparam

from uptick_common.channels.notification import Notification

_QUEUE = text("""
    INSERT INTO outbox (channel_id, incident_event_id, payload, due_at)
    SELECT c.id, :event, :payload, now() + :delay * interval '1 second'
    FROM monitors m JOIN channels c ON c.org_id = m.org_id
    WHERE m.id = :monitor AND (
        (:usual AND (c.id = ANY(m.channel_ids) OR (m.channel_ids IS NULL AND c.is_default)))
        OR (:escalated AND c.id = ANY(m.escalation_channel_ids)))
    ON CONFLICT DO NOTHING
""").bindparams(bindparam("payload", type_=JSONB))


async def queue(conn: AsyncConnection, note: Notification, *, monitor_id: int, event_id: int, usual: bool = True,
                escalated: bool = False, delay: timedelta = timedelta(0)) -> None:
    """One outbox row per channel: the monitor's usual ones, and its escalation channels if `escalated`.
    `note.key` and the links are the notifier's to fill in (from the row's id, its public URL)."""
    await conn.execute(_QUEUE, {"event": event_id, "payload": note.model_dump(mode="json"), "monitor": monitor_id,
                                "delay": delay.total_seconds(), "usual": usual, "escalated": escalated})
