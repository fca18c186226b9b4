"""Reminders, escalation and acknowledge links.

- `monitors.reminder_interval_seconds`: while an incident is open and unacknowledged, its channels are told
  again this often (NULL: never).
- `monitors.escalate_after_seconds`, `monitors.escalation_channel_ids`: an incident not acknowledged this
  long after it opened is told to these channels too (once), and so is its resolution.
- `incidents.reminded_at`, `incidents.escalated_at`: when that last happened (the notifier writes them).
- `incidents.ack_token`: the secret of the incident's acknowledge link (shown in its notifications); used
  once, then cleared.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("monitors", sa.Column("reminder_interval_seconds", sa.Integer))
    op.add_column("monitors", sa.Column("escalate_after_seconds", sa.Integer))
    op.add_column("monitors", sa.Column("escalation_channel_ids", sa.ARRAY(sa.BigInteger)))
    op.add_column("incidents", sa.Column("reminded_at", sa.DateTime(timezone=True)))
    op.add_column("incidents", sa.Column("escalated_at", sa.DateTime(timezone=True)))
    op.add_column("incidents", sa.Column("ack_token", sa.Text))
    op.create_index("ux_incidents_ack_token", "incidents", ["ack_token"], unique=True,
                    postgresql_where=sa.text("ack_token IS NOT NULL"))
    # The notifier's look for reminders and escalations: only incidents still open and unacknowledged.
    op.create_index("ix_incidents_unacknowledged", "incidents", ["opened_at"],
                    postgresql_where=sa.text("resolved_at IS NULL AND acknowledged_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_incidents_unacknowledged", "incidents")
    op.drop_index("ux_incidents_ack_token", "incidents")
    for column in ("ack_token", "escalated_at", "reminded_at"):
        op.drop_column("incidents", column)
    for column in ("escalation_channel_ids", "escalate_after_seconds", "reminder_interval_seconds"):
        op.drop_column("monitors", column)
