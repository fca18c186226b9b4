"""Maintenance windows: while one is on, a monitor's checks are stored but open no incident and alert nothing.

- `maintenance_windows`: an organization's; applies to `monitor_ids` or to all its monitors
  (`all_monitors`); one-off (`starts_at`, `ends_at`) or recurring (`cron`, in `timezone`, lasting
  `duration_seconds`; a weekly one also keeps its `weekdays` and `at_time` as given). `notify`: its start and
  end are told to the monitors' channels.
- `ticks.maintenance`: the check was scheduled inside a window of its monitor (its rollups count it as
  maintenance time, so `uptick-maintain --repair` rebuilds them the same). A constant default: no rewrite.
- `outbox.dedup_key`: a notification that is no incident event (a maintenance notice) exists once per key and
  channel, whichever notifier replica writes it and however often.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("org_id", sa.BigInteger, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("monitor_ids", sa.ARRAY(sa.BigInteger), nullable=False, server_default="{}"),
        sa.Column("all_monitors", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("ends_at", sa.DateTime(timezone=True)),
        sa.Column("cron", sa.Text),
        sa.Column("weekdays", sa.ARRAY(sa.Text)),
        sa.Column("at_time", sa.Text),
        sa.Column("duration_seconds", sa.Integer),
        sa.Column("timezone", sa.Text, nullable=False, server_default="UTC"),
        sa.Column("notify", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('once', 'cron', 'weekly')", name="ck_maintenance_windows_kind"),
        sa.CheckConstraint("(kind = 'once') = (starts_at IS NOT NULL AND ends_at IS NOT NULL)",
                           name="ck_maintenance_windows_once"),
        sa.CheckConstraint("(kind = 'once') = (cron IS NULL AND duration_seconds IS NULL)",
                           name="ck_maintenance_windows_recurring"),
    )
    op.create_index("ix_maintenance_windows_org_id_id", "maintenance_windows", ["org_id", "id"])
    op.add_column("ticks", sa.Column("maintenance", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("outbox", sa.Column("dedup_key", sa.Text))
    op.create_index("ux_outbox_dedup_key_channel", "outbox", ["dedup_key", "channel_id"], unique=True,
                    postgresql_where=sa.text("dedup_key IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ux_outbox_dedup_key_channel", "outbox")
    op.drop_column("outbox", "dedup_key")
    op.drop_column("ticks", "maintenance")
    op.drop_table("maintenance_windows")
