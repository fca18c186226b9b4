"""Only heartbeat monitors' tokens are indexed.

Every claim of a monitor by the poller is a new row version (its next due time is indexed), and each new
version is inserted into every index of the table: a unique index on a column that is NULL for all but the
heartbeat monitors cost a useless entry per claim. Uniqueness of the tokens that exist is unchanged.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("monitors_heartbeat_token_key", "monitors")
    op.create_index("ix_monitors_heartbeat_token", "monitors", ["heartbeat_token"], unique=True,
                    postgresql_where=sa.text("heartbeat_token IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_monitors_heartbeat_token", "monitors")
    op.create_unique_constraint("monitors_heartbeat_token_key", "monitors", ["heartbeat_token"])
