"""Heartbeat monitors: a secret push token and a grace period.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("monitors", sa.Column("heartbeat_token", sa.Text, unique=True))
    op.add_column("monitors", sa.Column("grace_seconds", sa.Integer, nullable=False, server_default="0"))
    op.drop_constraint("ck_monitors_type", "monitors")
    op.create_check_constraint("ck_monitors_type", "monitors", "type IN ('http', 'tcp', 'tls', 'heartbeat')")


def downgrade() -> None:
    op.execute("DELETE FROM monitors WHERE type = 'heartbeat'")
    op.drop_constraint("ck_monitors_type", "monitors")
    op.create_check_constraint("ck_monitors_type", "monitors", "type IN ('http', 'tcp', 'tls')")
    op.drop_column("monitors", "grace_seconds")
    op.drop_column("monitors", "heartbeat_token")
