"""Region silences: a region from which no check result has come for the staleness window of its monitors.
The notifier records one row when a silence starts (telling the organizations with monitors there, in the
same transaction) and ends it when results come again (telling the same organizations): each told once.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_silences",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("last_result_at", sa.DateTime(timezone=True), nullable=False),  # the last word before it
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("org_ids", sa.ARRAY(sa.BigInteger), nullable=False, server_default="{}"),  # who was told
    )
    op.create_index("ux_region_silences_open", "region_silences", ["region"], unique=True,
                    postgresql_where=sa.text("ended_at IS NULL"))


def downgrade() -> None:
    op.drop_table("region_silences")
