"""`uptick-maintain`: daily partitions made ahead and dropped past retention; rollups repaired on request.

Safe to run at any time, as often as wanted, several at once: a session advisory lock lets one run at a
time (the others wait for it, then find nothing left to do), and every step looks at what exists before
it acts. Each step is its own short transaction with a lock timeout, so that ingest never waits long
behind it: a step that cannot get its locks fails this run and is done by the next.

Rows no partition covered (they went to the default partition) are moved into their day's partition when
it is made; rows past retention are only ever deleted from the default partition, never from a day.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg
import structlog
from psycopg import sql
from sqlalchemy.engine import make_url

from uptick_common.backoff import delay_for, transient_errors
from uptick_common.db.rollups import add_ticks
from uptick_common.history import MINUTE, PARTITIONED, RESOLUTIONS, partition_day, partition_name
from uptick_common.logging import configure_logging
from uptick_common.settings import HistorySettings

log = structlog.get_logger(__name__)

LOCK_KEY = 7406215  # pg_advisory_lock key of this command (migrations hold 7406214)
# Days still receiving results (late or redelivered ones) belong to ingest alone: a repair of a day that
# ended less than this long ago could overwrite a count ingest is adding at the same moment.
SETTLED_AFTER = timedelta(hours=1)


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    moved_rows: int = 0  # from a default partition into the day just made
    expired_rows: int = 0  # past retention, deleted from a default partition
    repaired_days: list[date] = field(default_factory=list)


def _midnight(day: date) -> str:
    return f"{day.isoformat()} 00:00:00+00"


def _retention_days(settings: HistorySettings, table: str) -> int:
    return settings.tick_retention_days if table == "ticks" else settings.minute_rollup_retention_days


def run(conn: psycopg.Connection, settings: HistorySettings, *, now: datetime | None = None,
        repair: tuple[date, date] | None = None) -> Report:
    """Everything `uptick-maintain` does, on an autocommit connection; `now` is injectable for tests."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    report = Report()
    conn.execute("SET lock_timeout = 0")  # another run is waited for, however long it takes
    conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
    try:
        conn.execute("SET lock_timeout = '10s'")
        for table, column in PARTITIONED.items():
            _keep_partitions(conn, table, column, now.date(), _retention_days(settings, table),
                             settings.partitions_ahead_days, report)
        if repair is not None:
            _repair(conn, settings, repair, now, report)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return report


def _partitions(conn: psycopg.Connection, table: str) -> dict[str, tuple[date, date]]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
        (table,),
    ).fetchall()
    return {name: span for (name,) in rows if (span := partition_day(table, name)) is not None}


def _keep_partitions(conn: psycopg.Connection, table: str, column: str, today: date, retention_days: int,
                     ahead_days: int, report: Report) -> None:
    first_kept = today - timedelta(days=retention_days)
    spans = _partitions(conn, table)
    for name, (_, end) in sorted(spans.items()):
        if end <= first_kept:
            with conn.transaction():
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
            report.dropped.append(name)
            del spans[name]
            log.info("partition dropped: past retention", partition=name)
    default = sql.Identifier(f"{table}_default")
    with conn.transaction():
        expired = conn.execute(sql.SQL("DELETE FROM {} WHERE {} < %s").format(default, sql.Identifier(column)),
                               (_midnight(first_kept),))
        report.expired_rows += expired.rowcount
    # Today and the days ahead, and any kept day that has rows waiting in the default partition.
    stray = conn.execute(sql.SQL("SELECT DISTINCT ({} AT TIME ZONE 'UTC')::date FROM {}").format(
        sql.Identifier(column), default)).fetchall()
    wanted = {today + timedelta(days=offset) for offset in range(ahead_days + 1)} | {d for (d,) in stray}
    for day in sorted(wanted):
        if not any(start <= day < end for start, end in spans.values()):
            _create_partition(conn, table, column, day, report)


def _create_partition(conn: psycopg.Connection, table: str, column: str, day: date, report: Report) -> None:
    name = partition_name(table, day)
    start, end = sql.Literal(_midnight(day)), sql.Literal(_midnight(day + timedelta(days=1)))
    ident = sql.Identifier(name)
    with conn.transaction():
        conn.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)").format(
            ident, sql.Identifier(table)))
        moved = conn.execute(sql.SQL(
            "WITH moved AS (DELETE FROM {default} WHERE {column} >= {start} AND {column} < {end} RETURNING *) "
            "INSERT INTO {name} SELECT * FROM moved").format(
            default=sql.Identifier(f"{table}_default"), column=sql.Identifier(column), start=start, end=end,
            name=ident))
        conn.execute(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})").format(
            sql.Identifier(table), ident, start, end))
    report.created.append(name)
    report.moved_rows += moved.rowcount
    log.info("partition created", partition=name, moved_rows=moved.rowcount)


_TICKS_OF_THE_DAY = "WHERE t.scheduled_at >= %(start)s AND t.scheduled_at < %(end)s"


def _repair(conn: psycopg.Connection, settings: HistorySettings, days: tuple[date, date], now: datetime,
            report: Report) -> None:
    """Rebuild the rollups of whole days [first, last] from the raw ticks. Days whose ticks are past
    retention keep the rollups they have; days not yet settled are left to ingest."""
    today = now.date()
    first = max(days[0], today - timedelta(days=settings.tick_retention_days))
    end = min(days[1] + timedelta(days=1), (now - SETTLED_AFTER).date())
    minute_from = today - timedelta(days=settings.minute_rollup_retention_days)
    day = first
    while day < end:
        params = {"start": _midnight(day), "end": _midnight(day + timedelta(days=1))}
        with conn.transaction():
            for resolution in RESOLUTIONS:
                if resolution is MINUTE and day < minute_from:
                    continue
                conn.execute(sql.SQL("DELETE FROM {} WHERE bucket >= %(start)s AND bucket < %(end)s").format(
                    sql.Identifier(resolution.table)), params)
                conn.execute(add_ticks(resolution, "ticks", _TICKS_OF_THE_DAY), params)
        report.repaired_days.append(day)
        log.info("rollups rebuilt from ticks", day=day.isoformat())
        day += timedelta(days=1)


def connect(database_url: str, *, attempts: int = 30) -> psycopg.Connection:
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    for attempt in range(attempts):
        try:
            return psycopg.connect(url, autocommit=True)
        except transient_errors(postgres=True) as exc:
            if attempt == attempts - 1:
                raise
            log.warning("database unavailable, retrying", attempt=attempt + 1, error=str(exc))
            time.sleep(delay_for(attempt))
    raise AssertionError("unreachable")


def run_once(database_url: str) -> Report:
    """One run against `database_url`, other settings from the environment (`make run` at start-up)."""
    with connect(database_url) as conn:
        return run(conn, HistorySettings(database_url=database_url))


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="uptick-maintain", description=__doc__.splitlines()[0])
    parser.add_argument("--repair", nargs=2, metavar=("FIRST_DAY", "LAST_DAY"), type=date.fromisoformat,
                        help="rebuild the rollups of these days (YYYY-MM-DD, UTC, inclusive) from the raw ticks")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    settings = HistorySettings()
    configure_logging("maintain", settings.log_level, settings.log_format)
    with connect(settings.database_url) as conn:
        report = run(conn, settings, repair=tuple(args.repair) if args.repair else None)
    log.info("maintenance done", created=len(report.created), dropped=len(report.dropped),
             moved_rows=report.moved_rows, expired_rows=report.expired_rows,
             repaired_days=len(report.repaired_days))


if __name__ == "__main__":
    main()
