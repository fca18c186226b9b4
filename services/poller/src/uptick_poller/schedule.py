"""Claiming due monitors and moving their schedule on: the one query the poller lives by.

`FOR UPDATE SKIP LOCKED` lets any number of pollers claim disjoint monitors. Each monitor is checked on
its own slots: every `interval` seconds, shifted by a phase derived from its id, so that monitors
created together are spread over the interval instead of being checked in the same second. A poller
that was away skips the slots it missed rather than firing them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import structlog
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from uptick_common.checks import CheckSpec
from uptick_common.streams import DEFAULT_SPEC

log = structlog.get_logger(__name__)

# Knuth's multiplicative hash spreads consecutive ids over [0, 1): phase = fraction of the interval.
# Each claimed row is read once (its slot computed from the locked row) and updated once. Its state row is
# looked up by key per row (a subquery, never a join a plan made while monitor_status was small would hash
# whole), and for its last ping only when it is a heartbeat monitor.
_CLAIM = text(
    """
    WITH due AS (
        SELECT id, next_due_at AS due_at,
               ((id * 2654435761) % 4294967296)::float8 / 4294967296 * interval_seconds AS phase,
               -- a heartbeat is looked at every 30 s at most, so an overdue ping is noticed soon
               CASE WHEN type = 'heartbeat' THEN LEAST(interval_seconds, 30) ELSE interval_seconds END AS step
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
        ARRAY(SELECT r.key FROM monitor_status s, jsonb_each(s.regions) r
              WHERE s.monitor_id = m.id AND r.value->>'status' = 'down') AS failing_regions,
        CASE WHEN m.type = 'heartbeat' THEN
            GREATEST(m.created_at, m.updated_at, (SELECT (s.regions->'push'->>'checked_at')::timestamptz
                                                  FROM monitor_status s WHERE s.monitor_id = m.id)) END AS last_sign,
        m.interval_seconds, m.grace_seconds,
        jsonb_build_object('type', m.type, 'method', m.method, 'headers', m.headers, 'body', m.body,
                           'follow_redirects', m.follow_redirects, 'expected_status', m.expected_status,
                           'verify_tls', m.verify_tls, 'assertions', m.assertions,
                           'tls_warn_days', m.tls_warn_days)::text AS spec
    """
)


@dataclass(frozen=True)
class DueMonitor:
    id: int
    url: str
    timeout_seconds: int
    regions: list[str]
    due_at: datetime
    failing_regions: list[str] = field(default_factory=list)  # where its latest result was down
    # Heartbeat monitors: the last ping (or the monitor's creation or change), and when one is overdue.
    last_sign: datetime | None = None
    interval_seconds: int = 0
    grace_seconds: int = 0
    spec: CheckSpec = field(default_factory=CheckSpec)
    # The spec as a job carries it (CheckSpec's JSON); "" for the default spec, which jobs leave out (see
    # CheckJob.fields); None for a DueMonitor built by hand.
    spec_json: str | None = None


@lru_cache(maxsize=4096)
def _spec(text: str) -> tuple[CheckSpec, str]:
    """A definition validated and serialised once: most monitors share a few (Postgres prints jsonb one way
    only, so equal definitions are equal text). An invalid one raises, and is not cached."""
    spec = CheckSpec.model_validate_json(text)
    return spec, "" if spec == DEFAULT_SPEC else spec.model_dump_json()


async def claim_due(conn: AsyncConnection, limit: int) -> list[DueMonitor]:
    """The API validated every definition; one that is invalid all the same (written by hand, or by a
    later version) is not scheduled, and said so, rather than stopping the poller."""
    due = []
    for *columns, spec in await conn.execute(_CLAIM, {"limit": limit}):
        try:
            checked, spec_json = _spec(spec)
            due.append(DueMonitor(*columns, spec=checked, spec_json=spec_json))
        except ValidationError as exc:
            log.error("monitor not scheduled: its check definition is invalid", monitor_id=columns[0],
                      problems=exc.error_count())
    return due
