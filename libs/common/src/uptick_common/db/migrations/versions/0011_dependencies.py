"""Dependencies: a monitor may depend on another (its host, its API gateway). While the parent has an open
incident, a child's incident is recorded under it (`incidents.parent_incident_id`) and alerts nothing.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("monitors", sa.Column("depends_on", sa.BigInteger,
                                        sa.ForeignKey("monitors.id", ondelete="SET NULL")))
    op.add_column("incidents", sa.Column("parent_incident_id", sa.BigInteger,
                                         sa.ForeignKey("incidents.id", ondelete="SET NULL")))


def downgrade() -> None:
    op.drop_column("incidents", "parent_incident_id")
    op.drop_column("monitors", "depends_on")
