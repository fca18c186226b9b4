"""Region silences: a region from which no check result has come for longer than its monitors' staleness
window is silent (its checkers are gone, stuck, or cut off). Ingest already leaves such a region out of every
vote (uptick_common.status), so no monitor goes down because of it; here the organizations with monitors
checked from there are told once that checks from that region stopped, and once that they resumed.

- Detection reads what ingest keeps (`monitor_status.regions`, each region's latest result per monitor): a
  region is silent when its newest result is older than `stale_after` of the shortest interval among its
  unpaused monitors, the moment the shortest of them stops voting. A region never heard from is not silent.
- Each start and end is one transaction with its notices: the start inserts the silence (a partial unique
  index: one open silence per region, so racing replicas insert it once) and the notices; the end closes it
  (the row lock: once) and tells the organizations that were told of the start. A restart changes nothing.
- Notices go to each organization's default channels (`is_default`): the ones it chose for being told, with
  the outbox's delivery, retries, attempts and keys; they are never held for a storm. Never PagerDuty:
  the organization's on-call can do nothing about Uptick's checkers (as maintenance notices, a notice pages
  nobody).
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import bindparam

from uptick_common.channels.notification import Notification
from uptick_common.status import stale_after

log = structlog.get_logger(__name__)

# Per region its monitors are checked from: the newest result, and the shortest interval among them.
_LATEST = text("""
    SELECT r.key AS region, max((r.value ->> 'checked_at')::timestamptz) AS last_result,
           min(m.interval_seconds) AS shortest
    FROM monitors m JOIN monitor_status s ON s.monitor_id = m.id CROSS JOIN LATERAL jsonb_each(s.regions) r
    WHERE NOT m.paused AND r.key = ANY(m.regions)
    GROUP BY r.key
""")
_OPEN = text("SELECT region, id, last_result_at FROM region_silences WHERE ended_at IS NULL")
_START = text("""
    INSERT INTO region_silences (region, last_result_at, org_ids)
    SELECT :region, :last, coalesce(array_agg(DISTINCT org_id), '{}') FROM monitors
    WHERE NOT paused AND :region = ANY(regions)
    ON CONFLICT (region) WHERE ended_at IS NULL DO NOTHING
    RETURNING id, org_ids
""")
_END = text("""
    UPDATE region_silences SET ended_at = now() WHERE id = :id AND ended_at IS NULL RETURNING org_ids, ended_at
""")
_NOTICES = text("""
    INSERT INTO outbox (channel_id, payload, gathered)
    SELECT id, :payload, true FROM channels WHERE org_id = ANY(:orgs) AND is_default AND type <> 'pagerduty'
""").bindparams(bindparam("payload", type_=JSONB))


async def watch(engine: AsyncEngine) -> None:
    """Start and end the silences that the latest results say have started or ended."""
    async with engine.connect() as conn:
        now = datetime.now(UTC)
        latest = (await conn.execute(_LATEST)).all()
        open_ = {r.region: r for r in (await conn.execute(_OPEN)).all()}
    for row in latest:
        silent = row.last_result < now - stale_after(row.shortest)
        if silent and row.region not in open_:
            async with engine.begin() as tx:
                await _start(tx, row.region, row.last_result)
        elif not silent and row.region in open_ and row.last_result > open_[row.region].last_result_at:
            async with engine.begin() as tx:
                await _end(tx, open_[row.region].id, row.region, open_[row.region].last_result_at)


async def _start(conn: AsyncConnection, region: str, last_result: datetime) -> None:
    started = (await conn.execute(_START, {"region": region, "last": last_result})).first()
    if started is None:  # another replica started it
        return
    silence_id, orgs = started
    log.warning("checks from a region stopped", region=region, last_result_at=last_result.isoformat(),
                organizations=len(orgs))
    note = Notification(event="region_silent", key="", occurred_at=datetime.now(UTC), region=region,
                        silence_id=silence_id, started_at=last_result)
    await conn.execute(_NOTICES, {"payload": note.model_dump(mode="json"), "orgs": orgs})


async def _end(conn: AsyncConnection, silence_id: int, region: str, last_result: datetime) -> None:
    ended = (await conn.execute(_END, {"id": silence_id})).first()
    if ended is None:
        return
    orgs, ended_at = ended
    log.info("checks from a region resumed", region=region)
    note = Notification(event="region_resumed", key="", occurred_at=ended_at, region=region, silence_id=silence_id,
                        started_at=last_result, resolved_at=ended_at)
    await conn.execute(_NOTICES, {"payload": note.model_dump(mode="json"), "orgs": orgs})
