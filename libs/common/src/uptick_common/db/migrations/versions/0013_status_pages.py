"""Public status pages and badges.

`status_pages` (slug unique over every organization: it is the page's public path), the monitors they show in
named groups (`status_page_monitors`, in order, each choosing whether its URL is shown), and the pre-rendered
snapshots every replica serves from (`status_page_snapshots`). Every monitor gets `badge_token`, the secret of
its badge URLs (122 random bits from gen_random_uuid, Postgres' strong random source).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

RANDOM_HEX = "replace(gen_random_uuid()::text, '-', '')"


def upgrade() -> None:
    op.add_column("monitors", sa.Column("badge_token", sa.Text, nullable=False, server_default=sa.text(RANDOM_HEX)))
    op.create_index("ux_monitors_badge_token", "monitors", ["badge_token"], unique=True)
    op.create_table(
        "status_pages",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("org_id", sa.BigInteger, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("slug", sa.Text, nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_status_pages_org_id_id", "status_pages", ["org_id", "id"])
    op.create_table(
        "status_page_monitors",
        sa.Column("page_id", sa.BigInteger, sa.ForeignKey("status_pages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("monitor_id", sa.BigInteger, sa.ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("group_name", sa.Text),
        sa.Column("show_url", sa.Boolean, nullable=False, server_default=sa.text("false")),
    )
    op.create_index("ix_status_page_monitors_monitor_id", "status_page_monitors", ["monitor_id"])
    op.create_table(
        "status_page_snapshots",
        sa.Column("page_id", sa.BigInteger, sa.ForeignKey("status_pages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("documents", JSONB, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("status_page_snapshots")
    op.drop_table("status_page_monitors")
    op.drop_table("status_pages")
    op.drop_index("ux_monitors_badge_token", "monitors")
    op.drop_column("monitors", "badge_token")
