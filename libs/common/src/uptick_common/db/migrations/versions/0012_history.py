"""History at scale: ticks partitioned by day, minute/hour/day rollups.

Every tick is kept without copying one: today's `ticks` becomes the partition `ticks_before_<tomorrow>`
(everything before tomorrow), attached to a new `ticks` partitioned by `scheduled_at`; the attachment reads
the table once to check its bounds, and writes nothing. Daily partitions follow from tomorrow on; a default
partition takes any row that no partition covers yet (`uptick-maintain` moves them into their day), so
that a partition not yet made never stops ingest. Retention drops `ticks_before_…` whole, like any day.

Rollups for the ticks stored before this revision are not computed here (a long read at scale):
`uptick-maintain --repair FROM TO` builds them from the raw ticks.

Revision ID: 0012
Revises: 0011
"""

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

AHEAD_DAYS = 7  # partitions made now; uptick-maintain keeps them ahead from here on
HISTOGRAM_SIZE = 23  # uptick_common.history.HISTOGRAM_SIZE when this revision was written

_ROLLUP_COLUMNS = f"""
    monitor_id bigint NOT NULL,
    bucket timestamptz NOT NULL,
    region text NOT NULL,
    checks integer NOT NULL,
    up_checks integer NOT NULL,
    down_checks integer NOT NULL,
    up_seconds integer NOT NULL,
    down_seconds integer NOT NULL,
    maintenance_seconds integer NOT NULL DEFAULT 0,
    latency_count integer NOT NULL,
    latency_min integer,
    latency_max integer,
    latency_sum bigint NOT NULL,
    latency_histogram integer[] NOT NULL CHECK (cardinality(latency_histogram) = {HISTOGRAM_SIZE})
"""


def _day_partition(table: str, day: date) -> None:
    end = day + timedelta(days=1)
    op.execute(f"CREATE TABLE {table}_p{day:%Y%m%d} PARTITION OF {table} "
               f"FOR VALUES FROM ('{day.isoformat()} 00:00+00') TO ('{end.isoformat()} 00:00+00')")


def upgrade() -> None:
    today = op.get_bind().execute(sa.text("SELECT (now() AT TIME ZONE 'UTC')::date")).scalar_one()
    tomorrow = today + timedelta(days=1)
    legacy = f"ticks_before_{tomorrow:%Y%m%d}"
    op.execute(f"ALTER TABLE ticks RENAME TO {legacy}")
    op.execute(f"ALTER TABLE {legacy} RENAME CONSTRAINT pk_ticks TO {legacy}_pkey")
    op.execute(f"CREATE TABLE ticks (LIKE {legacy} INCLUDING DEFAULTS) PARTITION BY RANGE (scheduled_at)")
    op.execute("ALTER TABLE ticks ADD CONSTRAINT pk_ticks PRIMARY KEY (monitor_id, scheduled_at, region)")
    op.execute(f"ALTER TABLE ticks ATTACH PARTITION {legacy} "
               f"FOR VALUES FROM (MINVALUE) TO ('{tomorrow.isoformat()} 00:00+00')")
    op.execute("CREATE TABLE ticks_default PARTITION OF ticks DEFAULT")
    for offset in range(AHEAD_DAYS):
        _day_partition("ticks", tomorrow + timedelta(days=offset))

    op.execute(f"CREATE TABLE rollups_minute ({_ROLLUP_COLUMNS}, "
               "CONSTRAINT pk_rollups_minute PRIMARY KEY (monitor_id, bucket, region)) PARTITION BY RANGE (bucket)")
    op.execute("CREATE TABLE rollups_minute_default PARTITION OF rollups_minute DEFAULT")
    for offset in range(AHEAD_DAYS + 1):
        _day_partition("rollups_minute", today + timedelta(days=offset))
    for name in ("hour", "day"):
        op.execute(f"CREATE TABLE rollups_{name} ({_ROLLUP_COLUMNS}, "
                   f"CONSTRAINT pk_rollups_{name} PRIMARY KEY (monitor_id, bucket, region))")


def downgrade() -> None:
    for name in ("minute", "hour", "day"):
        op.execute(f"DROP TABLE rollups_{name}")
    op.execute("ALTER TABLE ticks RENAME TO ticks_partitioned")
    op.execute("CREATE TABLE ticks (LIKE ticks_partitioned INCLUDING DEFAULTS)")
    op.execute("INSERT INTO ticks SELECT * FROM ticks_partitioned")
    op.execute("DROP TABLE ticks_partitioned")
    op.execute("ALTER TABLE ticks ADD CONSTRAINT pk_ticks PRIMARY KEY (monitor_id, scheduled_at, region)")
