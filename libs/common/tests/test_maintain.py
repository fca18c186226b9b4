"""`uptick-maintain` against the real database: partitions made ahead and dropped past retention, over a
simulated month (an injected clock), rows waiting in a default partition, and runs at the same moment."""

import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import psycopg
import pytest
from alembic import command

from uptick_common.db import maintain, rollups
from uptick_common.db.migrate import alembic_config, upgrade
from uptick_common.history import HISTOGRAM_BOUNDS_MS, histogram_bucket, partition_name
from uptick_common.settings import HistorySettings
from uptick_devstack import infra
from uptick_devstack.testing import TEST_DATABASE

SETTINGS = HistorySettings(tick_retention_days=30, minute_rollup_retention_days=35, partitions_ahead_days=7)
FAR = date.today() + timedelta(days=400)  # the simulated month, well after any real tick of other tests


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), UTC)


@pytest.fixture
def conn(database_url: str):
    with psycopg.connect(infra.libpq_url(database_url), autocommit=True) as connection:
        yield connection


def partitions(conn: psycopg.Connection, table: str) -> dict[str, str]:
    return dict(conn.execute(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = %s::regclass", (table,)).fetchall())


def add_tick(conn: psycopg.Connection, scheduled_at: datetime, monitor_id: int = 1) -> None:
    conn.execute("INSERT INTO ticks (monitor_id, scheduled_at, region, checked_at, status) "
                 "VALUES (%s, %s, 'eu-west', %s, 'up')", (monitor_id, scheduled_at, scheduled_at))


def where_tick_is(conn: psycopg.Connection, scheduled_at: datetime) -> str | None:
    row = conn.execute("SELECT tableoid::regclass::text FROM ticks WHERE scheduled_at = %s", (scheduled_at,)).fetchone()
    return row[0] if row else None


def test_a_simulated_month_keeps_days_ahead_and_drops_days_past_retention(conn: psycopg.Connection) -> None:
    early, waiting = at(FAR + timedelta(days=1)), at(FAR + timedelta(days=20))
    for day_number in range(45):
        today = FAR + timedelta(days=day_number)
        report = maintain.run(conn, SETTINGS, now=at(today, 3))
        if day_number == 0:  # a tick in a day already made, another in a day not made yet (the default's)
            add_tick(conn, early)
            add_tick(conn, waiting, monitor_id=2)
            assert where_tick_is(conn, early) == f"ticks_p{early:%Y%m%d}"
            assert where_tick_is(conn, waiting) == "ticks_default"
        if day_number == 1:  # the day of the waiting tick is made at the next run, and the tick moves in
            ahead = today + timedelta(days=7)
            assert set(report.created) == {f"ticks_p{waiting:%Y%m%d}", partition_name("ticks", ahead),
                                           partition_name("rollups_minute", ahead)}
            assert report.moved_rows == 1
            assert where_tick_is(conn, waiting) == f"ticks_p{waiting:%Y%m%d}"
        if day_number == 32:  # `early` is 30 days old and more: its partition goes, with the tick
            assert f"ticks_p{early:%Y%m%d}" in report.dropped
            assert where_tick_is(conn, early) is None
        first_kept = max(FAR, today - timedelta(days=30))
        expected = {partition_name("ticks", first_kept + timedelta(days=n))
                    for n in range((today - first_kept).days + 8)}
        if day_number >= 1:
            expected.add(f"ticks_p{waiting:%Y%m%d}")
        assert {name for name in partitions(conn, "ticks") if "_p" in name} == expected
        minute_days = [name for name in partitions(conn, "rollups_minute") if "_p" in name]
        assert len(minute_days) == (today - max(FAR, today - timedelta(days=35))).days + 8
    # Only the simulated month's days are left (the migration's partitions were past retention long ago),
    # and the default partitions.
    assert not [name for name in partitions(conn, "ticks") if "_before_" in name]
    assert partitions(conn, "ticks")["ticks_default"] == "DEFAULT"
    assert where_tick_is(conn, waiting) == f"ticks_p{waiting:%Y%m%d}"


def test_rows_past_retention_in_the_default_partition_are_deleted(conn: psycopg.Connection) -> None:
    today = FAR + timedelta(days=100)
    maintain.run(conn, SETTINGS, now=at(today))
    old = at(today - timedelta(days=31))
    add_tick(conn, old)
    assert where_tick_is(conn, old) == "ticks_default"
    report = maintain.run(conn, SETTINGS, now=at(today))
    assert report.expired_rows == 1 and where_tick_is(conn, old) is None


def test_two_runs_at_once_leave_the_state_one_run_leaves(database_url: str, conn: psycopg.Connection) -> None:
    now = at(FAR + timedelta(days=200))
    reports: list[maintain.Report] = []
    start = threading.Barrier(2)

    def one_run() -> None:
        with psycopg.connect(infra.libpq_url(database_url), autocommit=True) as own:
            start.wait()
            reports.append(maintain.run(own, SETTINGS, now=now))

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(reports) == 2
    # One did the work, the other waited for it and found nothing to do; neither failed.
    assert sorted(len(r.created) for r in reports) == [0, 16]
    state = {table: partitions(conn, table) for table in ("ticks", "rollups_minute")}
    again = maintain.run(conn, SETTINGS, now=now)
    assert (again.created, again.dropped, again.moved_rows, again.expired_rows) == ([], [], 0, 0)
    assert {table: partitions(conn, table) for table in ("ticks", "rollups_minute")} == state


def test_the_command_runs_and_says_what_it_did(database_url: str, conn: psycopg.Connection) -> None:
    env = {**os.environ, "UPTICK_DATABASE_URL": database_url, "UPTICK_LOG_FORMAT": "json"}
    done = subprocess.run([str(Path(sys.executable).parent / "uptick-maintain")], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    assert '"event": "maintenance done"' in done.stdout
    today = datetime.now(UTC).date()
    assert partition_name("ticks", today + timedelta(days=7)) in partitions(conn, "ticks")


def test_the_database_sorts_latencies_into_the_histogram_as_python_does(conn: psycopg.Connection) -> None:
    for latency in sorted({0, 1, *HISTOGRAM_BOUNDS_MS, *(b + 1 for b in HISTOGRAM_BOUNDS_MS), 10**7}):
        bucket = conn.execute(f"SELECT {rollups.histogram_bucket('%s::integer')}", (latency,)).fetchone()[0]
        assert bucket == histogram_bucket(latency), latency


def test_the_migration_to_partitions_keeps_every_tick(_servers: tuple[str, str]) -> None:
    url = infra.with_database(_servers[0], f"{TEST_DATABASE}_migration")
    infra.ensure_database(url, recreate=True)
    command.upgrade(alembic_config(url), "0011")  # the revision before this one
    stored = [datetime(2024, 1, 1, tzinfo=UTC), datetime.now(UTC) - timedelta(days=3), datetime.now(UTC)]
    with psycopg.connect(infra.libpq_url(url), autocommit=True) as conn:
        for moment in stored:
            add_tick(conn, moment)
        upgrade(url)
        assert conn.execute("SELECT relkind FROM pg_class WHERE relname = 'ticks'").fetchone()[0] == "p"
        kept = [row[0] for row in conn.execute("SELECT scheduled_at FROM ticks ORDER BY scheduled_at")]
        assert kept == stored
        tomorrow = datetime.now(UTC).date() + timedelta(days=1)
        assert {where_tick_is(conn, moment) for moment in stored} == {f"ticks_before_{tomorrow:%Y%m%d}"}
        # Still idempotent on the job: the same tick again stores nothing.
        assert conn.execute("INSERT INTO ticks (monitor_id, scheduled_at, region, checked_at, status) "
                            "VALUES (1, %s, 'eu-west', now(), 'up') ON CONFLICT DO NOTHING",
                            (stored[1],)).rowcount == 0
