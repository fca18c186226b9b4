"""The outbox, as the notifier works it: claim due rows, then report each attempt's outcome.

A claim (`FOR UPDATE SKIP LOCKED`, so replicas share the work) moves the row's `due_at` a lease ahead and
records the attempt as `sending`, then commits: nothing is held open while the receiver is called. The
outcome is written in a second transaction. A notifier killed in between leaves the row to come due again
when the lease ends: it is sent again under the same key (the receiver drops it), and the attempt that was
cut short shows as `interrupted`. Each report names the attempt it is for, so a late one changes nothing.

Before claiming, the same transaction gathers storms (`storm`): an incident's notification is claimed only once
it has been looked at (`gathered`) or gone into a group, whose own row is claimed like any other.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from uptick_common.channels.base import Answer
from uptick_common.metrics import NOTIFICATION_GROUPS, NOTIFICATIONS_GROUPED
from uptick_notifier.storm import GROUPABLE, Gathering, gather

_CLAIM = text("""
    WITH due AS (
        SELECT id FROM outbox WHERE status = 'pending' AND due_at <= now()
          AND (gathered OR payload ->> 'event' <> ALL(:groupable))
        ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED
    )
    UPDATE outbox o SET attempts = o.attempts + 1, due_at = now() + :lease * interval '1 second'
    FROM due, channels c
    WHERE o.id = due.id AND c.id = o.channel_id
    RETURNING o.id, o.channel_id, o.attempts, coalesce(o.max_attempts, :max_attempts), o.payload, c.type, c.config,
        (SELECT ack_token FROM incidents WHERE id = (o.payload ->> 'incident_id')::bigint)
""")
_ACK_TOKENS = text("SELECT id, ack_token FROM incidents WHERE id = ANY(:ids) AND ack_token IS NOT NULL")
_AGE = text("""
    SELECT coalesce(extract(epoch FROM now() - min(due_at)), 0) FROM outbox WHERE status = 'pending' AND due_at <= now()
""")
_INTERRUPTED = text("""
    UPDATE delivery_attempts SET outcome = 'interrupted' WHERE outbox_id = :id AND outcome = 'sending'
""")
_ATTEMPT = text("""
    INSERT INTO delivery_attempts (outbox_id, channel_id, attempt) VALUES (:id, :channel, :attempt) RETURNING id
""")
_REPORT_ATTEMPT = text("""
    UPDATE delivery_attempts SET outcome = :outcome, status_code = :code, duration_ms = :ms, detail = :detail
    WHERE id = :id AND outcome = 'sending'
""")
_FINISH = text("""
    UPDATE outbox SET status = :status, finished_at = now()
    WHERE id = :id AND attempts = :attempt AND status = 'pending'
""")
_RETRY = text("""
    UPDATE outbox SET due_at = now() + :delay * interval '1 second'
    WHERE id = :id AND attempts = :attempt AND status = 'pending'
""")


@dataclass
class Claimed:
    id: int
    channel_id: int
    attempt: int
    max_attempts: int
    payload: dict[str, Any]
    channel_type: str
    config: dict[str, Any]
    ack_token: str | None  # the incident's acknowledge link, while it is unacknowledged
    attempt_id: int = 0
    ack_tokens: dict[int, str] = field(default_factory=dict)  # a group's: its members' incidents' links


NO_GATHERING = Gathering(gather_seconds=0, threshold=1_000_000, hold_seconds=0)


async def claim(engine: AsyncEngine, *, limit: int, lease: float, max_attempts: int,
                gathering: Gathering = NO_GATHERING) -> list[Claimed]:
    async with engine.begin() as conn:
        groups = await gather(conn, gathering)
        rows = (await conn.execute(_CLAIM, {"limit": limit, "lease": lease, "max_attempts": max_attempts,
                                            "groupable": list(GROUPABLE)})).all()
        claimed = [Claimed(*row) for row in rows]
        for row in claimed:
            if row.attempt > 1:
                await conn.execute(_INTERRUPTED, {"id": row.id})
            row.attempt_id = await conn.scalar(_ATTEMPT, {"id": row.id, "channel": row.channel_id,
                                                          "attempt": row.attempt})
            if row.payload.get("members"):
                ids = [m["incident_id"] for m in row.payload["members"] if m.get("incident_id") is not None]
                row.ack_tokens = {i: t for i, t in (await conn.execute(_ACK_TOKENS, {"ids": ids})).all()}
    for channel_type, members in groups:  # once committed
        NOTIFICATION_GROUPS.labels(channel_type).inc()
        NOTIFICATIONS_GROUPED.labels(channel_type).inc(members)
    return claimed


async def age(engine: AsyncEngine) -> float:
    """Seconds the oldest due notification has waited (leases of attempts under way count as not due)."""
    async with engine.connect() as conn:
        return float(await conn.scalar(_AGE) or 0)


def retry_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential, with jitter (half fixed, half random) so that retries of many rows spread out."""
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


async def report(engine: AsyncEngine, row: Claimed, answer: Answer, duration_ms: int, *, base: float,
                 cap: float) -> str:
    """Write the attempt's outcome and what follows: delivered, another attempt later, or failed for good."""
    if answer.delivered:
        outcome = "delivered"
    elif answer.retryable and row.attempt < row.max_attempts:
        outcome = "retrying"
    else:
        outcome = "failed"
    async with engine.begin() as conn:
        await conn.execute(_REPORT_ATTEMPT, {"id": row.attempt_id, "outcome": outcome, "code": answer.status_code,
                                             "ms": duration_ms, "detail": answer.detail})
        if outcome == "retrying":
            await conn.execute(_RETRY, {"id": row.id, "attempt": row.attempt,
                                        "delay": retry_delay(row.attempt, base, cap)})
        else:
            await conn.execute(_FINISH, {"id": row.id, "attempt": row.attempt, "status": outcome})
    return outcome
