"""Storms collapse: many notifications of one event waiting for one channel become one grouped notification.

- `outbox.gathered`: the notifier has looked at the row for a storm and let it go on its own (rows written
  before this revision, and rows of events that are never grouped, need no look).
- `outbox.group_size`: set on a grouped notification (a row of its own, listing its members in `payload`).
- `outbox.group_id`: on a member, the grouped notification it went in; the member's status is `grouped`.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("gathered", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE outbox SET gathered = true")
    op.add_column("outbox", sa.Column("group_size", sa.Integer))
    op.add_column("outbox", sa.Column("group_id", sa.BigInteger, sa.ForeignKey("outbox.id", ondelete="SET NULL")))
    op.drop_constraint("ck_outbox_status", "outbox")
    op.create_check_constraint("ck_outbox_status", "outbox",
                               "status IN ('pending', 'delivered', 'failed', 'cancelled', 'grouped')")
    # The notifier's look for a storm under way: the latest groups of a channel.
    op.create_index("ix_outbox_groups", "outbox", ["channel_id", "created_at"],
                    postgresql_where=sa.text("group_size IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_outbox_groups", "outbox")
    op.execute("UPDATE outbox SET status = 'delivered' WHERE status = 'grouped'")
    op.drop_constraint("ck_outbox_status", "outbox")
    op.create_check_constraint("ck_outbox_status", "outbox",
                               "status IN ('pending', 'delivered', 'failed', 'cancelled')")
    for column in ("group_id", "group_size", "gathered"):
        op.drop_column("outbox", column)
