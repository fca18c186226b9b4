"""Writing one batch of results: ticks in one statement, then each touched monitor's state, one transaction.

Idempotent: a tick's key is its job (monitor, scheduled time, region), so a redelivered result
inserts nothing, adds nothing to the rollups and changes no state. Results of monitors deleted meanwhile
are dropped.

The batch reaches Postgres by binary COPY into a temporary table of the connection (emptied at every
commit), and goes into `ticks` from there in one INSERT: far cheaper per row, for both psycopg and Postgres,
than the typed arrays of an `unnest` (psycopg dumped those value by value in Python). The touched monitors'
new states travel the same way and are one UPDATE from their temporary table: Postgres spent about twice as
long on one JSON parameter (`json_to_recordset` parses all of it) as it spends on the binary rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncCursor
from psycopg.types.json import Jsonb
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import BigInteger

from uptick_common.db.rollups import add_ticks
from uptick_common.history import RESOLUTIONS
from uptick_common.status import PENDING, RegionResults
from uptick_common.streams import CheckResult
from uptick_ingest import incidents
from uptick_ingest.maintenance import Calendar
from uptick_ingest.state import MonitorState, NewTick, Policy, apply

# Times travel as ms since the epoch and become timestamps exactly, in Postgres. Both tables are created once
# per connection; then this is a no-op.
_BATCH_TABLES = """
    CREATE TEMPORARY TABLE IF NOT EXISTS ingest_batch (
        monitor_id bigint, scheduled_ms bigint, region text, checked_ms bigint, status text, http_status int,
        latency_ms int, error text, dns_ms int, connect_ms int, tls_ms int, ttfb_ms int, assertions text,
        maintenance bool
    ) ON COMMIT DELETE ROWS;
    CREATE TEMPORARY TABLE IF NOT EXISTS ingest_states (
        monitor_id bigint, status text, last_latency_ms int, last_checked_at timestamptz, last_error text,
        recent_latencies_ms text, regions jsonb, failing_since timestamptz, passing_since timestamptz,
        status_changed_at timestamptz
    ) ON COMMIT DELETE ROWS
"""
_BATCH_TYPES = ("int8", "int8", "text", "int8", "text", "int4", "int4", "text", "int4", "int4", "int4", "int4",
                "text", "bool")
_COPY_BATCH = "COPY ingest_batch FROM STDIN (FORMAT BINARY)"
_INSERT_TICKS = """
    INSERT INTO ticks (monitor_id, scheduled_at, region, checked_at, status, http_status, latency_ms, error,
                       dns_ms, connect_ms, tls_ms, ttfb_ms, assertions, maintenance)
    SELECT t.monitor_id, timestamptz 'epoch' + t.scheduled_ms * interval '1 ms', t.region,
           timestamptz 'epoch' + t.checked_ms * interval '1 ms', t.status, t.http_status, t.latency_ms, t.error,
           t.dns_ms, t.connect_ms, t.tls_ms, t.ttfb_ms, t.assertions::jsonb, t.maintenance
    FROM ingest_batch t
    WHERE EXISTS (SELECT 1 FROM monitors m WHERE m.id = t.monitor_id)
    ON CONFLICT DO NOTHING
"""
_NEW_TICKS = "monitor_id, region, checked_at, status, latency_ms, error, http_status, maintenance"  # NewTick's
_INSERT_TICKS_ONLY = f"{_INSERT_TICKS} RETURNING {_NEW_TICKS}"
# The rollups add exactly the rows this statement inserted (RETURNING): a redelivered result, which inserts
# nothing, counts nothing twice. One statement, in the batch's transaction.
_ADD_TO_ROLLUPS = ", ".join(f"{r.name} AS ({add_ticks(r, 'new')})" for r in RESOLUTIONS)
_INSERT_TICKS_AND_ROLLUPS = f"WITH new AS ({_INSERT_TICKS} RETURNING *), {_ADD_TO_ROLLUPS} SELECT {_NEW_TICKS} FROM new"  # noqa: S608

# Rows first (so that concurrent ingest replicas serialise on them), then locked in id order. Counting
# first is far cheaper than the INSERT when, as almost always, every row is there already; no row lock is
# held while inserting, so replicas cannot deadlock over new rows.
_COUNT_STATE_ROWS = text(
    "SELECT count(*) FROM monitor_status WHERE monitor_id = ANY(:ids)"
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))
_ENSURE_STATE_ROWS = text(
    """
    INSERT INTO monitor_status (monitor_id, status)
    SELECT m.id, :pending FROM monitors m WHERE m.id = ANY(:ids)
    ON CONFLICT DO NOTHING
    """
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)), pending=PENDING)
_LOCK_STATE = text(
    """
    SELECT s.monitor_id, s.status, s.last_latency_ms, s.last_checked_at, s.last_error, s.recent_latencies_ms,
           s.regions::text, s.failing_since, s.passing_since, s.status_changed_at,
           m.regions, m.interval_seconds, m.quorum, m.confirmation_period_seconds, m.recovery_period_seconds
    FROM monitor_status s JOIN monitors m ON m.id = s.monitor_id
    WHERE s.monitor_id = ANY(:ids) ORDER BY s.monitor_id FOR UPDATE OF s
    """
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))
# The latencies travel as an array literal: psycopg dumps a binary array value by value, in Python.
_STATE_TYPES = ("int8", "text", "int4", "timestamptz", "text", "text", "jsonb", "timestamptz", "timestamptz",
                "timestamptz")
_COPY_STATES = "COPY ingest_states FROM STDIN (FORMAT BINARY)"
# Never prepared: a plan made once, while monitor_status was small (a new installation), would scan all of
# it for every batch once it is large; planning each batch costs far less.
_UPDATE_STATES = """
    UPDATE monitor_status s SET status = u.status, last_latency_ms = u.last_latency_ms,
        last_checked_at = u.last_checked_at, last_error = u.last_error,
        recent_latencies_ms = u.recent_latencies_ms::int[], regions = u.regions, failing_since = u.failing_since,
        passing_since = u.passing_since, status_changed_at = u.status_changed_at, updated_at = now()
    FROM ingest_states u
    WHERE s.monitor_id = u.monitor_id
"""


def _row(r: CheckResult, maintenance: bool) -> tuple[Any, ...]:
    phases = r.phases
    return (
        r.monitor_id, r.scheduled_ms, r.region, r.checked_ms, r.status, r.http_status, r.latency_ms, r.error,
        *((phases.dns_ms, phases.connect_ms, phases.tls_ms, phases.ttfb_ms) if phases else (None,) * 4),
        None if r.assertions is None else json.dumps([a.model_dump() for a in r.assertions]), maintenance,
    )


@dataclass
class Written:
    stored: int  # ticks that were new (the rest were duplicates)
    incidents_opened: int


async def write_batch(conn: AsyncConnection, results: list[CheckResult], *, rollups: bool = True,
                      calendar: Calendar | None = None) -> Written:
    """Store the batch (and add it to the rollups), with the states and incident transitions it makes. A
    result scheduled inside a maintenance window of its monitor (`calendar`) is stored as such: its time
    counts as maintenance and its state is `maintenance` (state.py)."""
    if calendar is not None:
        await calendar.refresh(conn, {r.monitor_id for r in results})
        in_maintenance = calendar.in_maintenance
    else:
        in_maintenance = _never
    raw = (await conn.get_raw_connection()).driver_connection  # the same connection and transaction
    assert raw is not None  # a pooled connection's driver connection is open
    async with raw.cursor() as cursor:
        await cursor.execute(_BATCH_TABLES)
        async with cursor.copy(_COPY_BATCH) as copy:
            copy.set_types(_BATCH_TYPES)
            for result in results:
                await copy.write_row(_row(result, in_maintenance(result.monitor_id, result.scheduled_ms)))
        insert = _INSERT_TICKS_AND_ROLLUPS if rollups else _INSERT_TICKS_ONLY
        await cursor.execute(insert, prepare=False)  # planned for this batch (see _UPDATE_STATES)
        inserted = [NewTick(*row) for row in await cursor.fetchall()]
        opened = await _update_states(conn, cursor, inserted) if inserted else 0
    return Written(len(inserted), opened)


async def _update_states(conn: AsyncConnection, cursor: AsyncCursor[Any], ticks: list[NewTick]) -> int:
    """Each monitor's new state; returns how many incidents its transitions opened."""
    by_monitor: dict[int, list[NewTick]] = {}
    for tick in ticks:
        by_monitor.setdefault(tick.monitor_id, []).append(tick)
    ids = sorted(by_monitor)
    if (await conn.execute(_COUNT_STATE_ROWS, {"ids": ids})).scalar_one() < len(ids):
        await conn.execute(_ENSURE_STATE_ROWS, {"ids": ids})
    rows = (await conn.execute(_LOCK_STATE, {"ids": ids})).all()
    if not rows:  # every one of them deleted meanwhile
        return 0
    transitions: list[incidents.Transition] = []
    async with cursor.copy(_COPY_STATES) as copy:
        copy.set_types(_STATE_TYPES)
        for row in rows:
            (monitor_id, status, latency, checked_at, error, recent, regions, failing_since, passing_since,
             changed_at, monitor_regions, interval, quorum, confirmation, recovery) = row
            state = MonitorState(status, latency, checked_at, error, list(recent or []),
                                 RegionResults.validate_json(regions or "{}"), failing_since, passing_since, changed_at)
            policy = Policy(tuple(monitor_regions), interval, quorum, confirmation, recovery)
            new = apply(state, by_monitor[monitor_id], policy)
            if change := incidents.transition(monitor_id, status, new, policy.regions):
                transitions.append(change)
            latencies = "{" + ",".join(map(str, new.recent_latencies_ms)) + "}"
            await copy.write_row((monitor_id, new.status, new.last_latency_ms, new.last_checked_at, new.last_error,
                                  latencies, _as_jsonb(new), new.failing_since, new.passing_since,
                                  new.status_changed_at))
    await cursor.execute(_UPDATE_STATES, prepare=False)
    return await incidents.record(conn, transitions) if transitions else 0


def _never(monitor_id: int, at_ms: int) -> bool:
    return False


def _as_jsonb(state: MonitorState) -> Jsonb:
    """The regions' results as their model writes them (pydantic-core's JSON, handed to psycopg as it is)."""
    return Jsonb(RegionResults.dump_json(state.regions), dumps=_as_is)


def _as_is(data: bytes) -> bytes:
    return data
