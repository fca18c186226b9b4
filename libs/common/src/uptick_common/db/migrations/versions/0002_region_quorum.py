"""Region quorum, confirmation and recovery periods; when a monitor's regions started failing or passing.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL quorum: a majority of the monitor's regions.
    op.add_column("monitors", sa.Column("quorum", sa.Integer))
    op.add_column("monitors", sa.Column("confirmation_period_seconds", sa.Integer, nullable=False,
                                        server_default="0"))
    op.add_column("monitors", sa.Column("recovery_period_seconds", sa.Integer, nullable=False,
                                        server_default="0"))
    op.add_column("monitor_status", sa.Column("failing_since", sa.DateTime(timezone=True)))
    op.add_column("monitor_status", sa.Column("passing_since", sa.DateTime(timezone=True)))
    op.add_column("monitor_status", sa.Column("status_changed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    for column in ("status_changed_at", "passing_since", "failing_since"):
        op.drop_column("monitor_status", column)
    for column in ("recovery_period_seconds", "confirmation_period_seconds", "quorum"):
        op.drop_column("monitors", column)
