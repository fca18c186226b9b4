"""Storms collapse: many notifications of one event waiting for one channel go as one grouped notification.

An incident's notification (an event in GROUPABLE) waits `gather_seconds` after it is due, so that the others
of the same outage arrive beside it. Then, per channel and event, all that wait are looked at together: more
than `threshold` become one grouped notification (a new outbox row listing them, with its own key and its own
attempts); fewer go on their own. While a storm lasts (a group of that channel and event was made within
`hold_seconds`), the next ones wait until `hold_seconds` after that group: an outage reaching a thousand
monitors over an interval (each is checked at its own phase) is told in a handful of messages, not one per
gathering window. Every incident is still recorded on its own, by ingest, as before.

The group row is written, and its members marked `grouped` (pointing at it), in one transaction before
anything is sent: the group's key is its row's, the same on a resend after a crash, and a member is never
sent on its own as well. The rows are taken `FOR UPDATE SKIP LOCKED`, so replicas gather disjoint sets.
Channels whose module says `GROUPS = False` (PagerDuty) take no part: their rows go at once, one each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import bindparam

from uptick_common import channels
from uptick_common.channels.notification import Notification

GROUPABLE = ("down", "resolved", "flapping", "reminder", "escalation")
UNGROUPED_TYPES = [name for name, module in channels.TYPES.items() if not getattr(module, "GROUPS", True)]

_WAITING = text("""
    SELECT o.id, o.channel_id, o.payload ->> 'event' AS event, o.due_at, o.payload, c.type AS channel_type
    FROM outbox o JOIN channels c ON c.id = o.channel_id
    WHERE o.status = 'pending' AND NOT o.gathered AND o.due_at <= now() AND o.payload ->> 'event' = ANY(:events)
    ORDER BY o.due_at LIMIT :limit FOR UPDATE OF o SKIP LOCKED
""")
_LAST_GROUPS = text("""
    SELECT channel_id, payload ->> 'event' AS event, max(created_at) AS at FROM outbox
    WHERE group_size IS NOT NULL AND channel_id = ANY(:channels) AND created_at > now() - :hold * interval '1 second'
    GROUP BY 1, 2
""")
_RELEASE = text("UPDATE outbox SET gathered = true WHERE id = ANY(:ids)")
_GROUP = text("""
    INSERT INTO outbox (channel_id, payload, due_at, gathered, group_size) VALUES (:channel, :payload, now(), true, :n)
    RETURNING id
""").bindparams(bindparam("payload", type_=JSONB))
_MEMBERS = text("UPDATE outbox SET status = 'grouped', group_id = :group, finished_at = now() WHERE id = ANY(:ids)")


@dataclass(frozen=True)
class Gathering:
    gather_seconds: float
    threshold: int
    hold_seconds: float
    limit: int = 5000  # rows looked at per round; a bigger storm is gathered over the next rounds


async def gather(conn: AsyncConnection, how: Gathering) -> list[tuple[str, int]]:
    """Group or let go the waiting notifications whose time has come; returns the groups made (channel type,
    members)."""
    rows = (await conn.execute(_WAITING, {"events": list(GROUPABLE), "limit": how.limit})).all()
    if not rows:
        return []
    now: datetime = await conn.scalar(text("SELECT now()"))
    buckets: dict[tuple[int, str], list[Any]] = defaultdict(list)
    release: list[int] = []
    for row in rows:
        if row.channel_type in UNGROUPED_TYPES:
            release.append(row.id)
        else:
            buckets[(row.channel_id, row.event)].append(row)
    last = {(r.channel_id, r.event): r.at for r in (await conn.execute(_LAST_GROUPS, {
        "channels": sorted({c for c, _ in buckets}), "hold": how.hold_seconds})).all()}
    groups = []
    for (channel_id, event), waiting in buckets.items():
        ripe_at = min(r.due_at for r in waiting) + timedelta(seconds=how.gather_seconds)
        if (channel_id, event) in last:  # a storm under way: its next group follows the last one by the hold
            ripe_at = max(ripe_at, last[(channel_id, event)] + timedelta(seconds=how.hold_seconds))
        if now < ripe_at:
            continue
        if len(waiting) <= how.threshold:
            release += [r.id for r in waiting]
            continue
        await _group(conn, channel_id, waiting)
        groups.append((waiting[0].channel_type, len(waiting)))
    if release:
        await conn.execute(_RELEASE, {"ids": release})
    return groups


async def _group(conn: AsyncConnection, channel_id: int, waiting: list[Any]) -> None:
    members = sorted((Notification.model_validate(r.payload) for r in waiting),
                     key=lambda n: (n.started_at or n.occurred_at, n.incident_id or 0))
    note = Notification(event=members[0].event, key="", occurred_at=min(m.occurred_at for m in members),
                        members=members)
    group_id = await conn.scalar(_GROUP, {"channel": channel_id, "payload": note.model_dump(mode="json"),
                                          "n": len(members)})
    await conn.execute(_MEMBERS, {"group": group_id, "ids": [r.id for r in waiting]})
