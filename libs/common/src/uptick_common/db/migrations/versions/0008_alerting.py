"""Alerting: channels, incidents and their timeline, the outbox of notifications, every delivery attempt.

- `channels` belong to an organization; `is_default` ones alert for monitors that name none
  (`monitors.channel_ids` NULL); a monitor that names some alerts exactly those.
- `incidents`: at most one unresolved per monitor (a partial unique index), so that ingest replicas
  racing on one transition open it once.
- `outbox`: one row per incident event and channel (unique), written in the transaction of the transition;
  the notifier delivers it. `delivery_attempts`: one row per attempt, kept for the API.

Revision ID: 0008
Revises: 0007
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CHANNEL_TYPES = "('webhook', 'slack', 'discord', 'teams', 'email', 'pagerduty', 'telegram', 'ntfy')"


def _created() -> sa.Column[Any]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("org_id", sa.BigInteger, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("config", JSONB, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(f"type IN {CHANNEL_TYPES}", name="ck_channels_type"),
    )
    op.create_index("ix_channels_org_id_id", "channels", ["org_id", "id"])
    op.add_column("monitors", sa.Column("channel_ids", sa.ARRAY(sa.BigInteger)))

    op.create_table(
        "incidents",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("org_id", sa.BigInteger, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("monitor_id", sa.BigInteger, sa.ForeignKey("monitors.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cause", sa.Text),
        sa.Column("regions", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("acknowledged_by", sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("flapping", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reopened", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name="ck_incidents_status"),
    )
    op.create_index("ix_incidents_org_id_id", "incidents", ["org_id", "id"])
    op.create_index("ix_incidents_monitor_id_id", "incidents", ["monitor_id", "id"])
    op.create_index("ux_incidents_unresolved", "incidents", ["monitor_id"], unique=True,
                    postgresql_where=sa.text("resolved_at IS NULL"))
    op.create_table(
        "incident_events",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("body", sa.Text),
    )
    op.create_index("ix_incident_events_incident_id_id", "incident_events", ["incident_id", "id"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("channel_id", sa.BigInteger, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("incident_event_id", sa.BigInteger, sa.ForeignKey("incident_events.id", ondelete="CASCADE")),
        sa.Column("payload", JSONB, nullable=False),
        _created(),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed', 'cancelled')", name="ck_outbox_status"),
        sa.UniqueConstraint("incident_event_id", "channel_id", name="uq_outbox_event_channel"),
    )
    op.create_index("ix_outbox_due", "outbox", ["due_at"], postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_outbox_channel_id_id", "outbox", ["channel_id", "id"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("outbox_id", sa.BigInteger, sa.ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel_id", sa.BigInteger, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("outcome", sa.Text, nullable=False, server_default="sending"),
        sa.Column("status_code", sa.Integer),
        sa.Column("detail", sa.Text),
        sa.CheckConstraint("outcome IN ('sending', 'delivered', 'retrying', 'failed', 'interrupted')",
                           name="ck_delivery_attempts_outcome"),
    )
    op.create_index("ix_delivery_attempts_channel_id_id", "delivery_attempts", ["channel_id", "id"])
    op.create_index("ix_delivery_attempts_outbox_id", "delivery_attempts", ["outbox_id"])


def downgrade() -> None:
    for table in ("delivery_attempts", "outbox", "incident_events", "incidents", "channels"):
        op.drop_table(table)
    op.drop_column("monitors", "channel_ids")
