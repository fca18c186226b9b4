"""`monitors.managed_by`: where a monitor is managed when not in Uptick itself (the Kubernetes operator writes
`kubernetes:<namespace>/<name>:<uid>`). The API then refuses changes from anywhere else (409).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("monitors", sa.Column("managed_by", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("monitors", "managed_by")
