"""Monitor types, HTTP options and assertions on monitors; phases and assertion results on ticks.

Revision ID: 0003
Revises: 0002
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

def _monitor_columns() -> tuple[sa.Column[Any], ...]:
    return (
        sa.Column("type", sa.Text, nullable=False, server_default="http"),
        sa.Column("method", sa.Text, nullable=False, server_default="GET"),
        sa.Column("headers", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("body", sa.Text),
        sa.Column("follow_redirects", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("expected_status", postgresql.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{200-399}'")),
        sa.Column("verify_tls", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("assertions", postgresql.JSONB, nullable=False, server_default=sa.text("'[]'")),
        sa.Column("tls_warn_days", sa.Integer, nullable=False, server_default="14"),
    )


def _tick_columns() -> tuple[sa.Column[Any], ...]:  # nullable, no default: adding them rewrites nothing
    return (
        sa.Column("dns_ms", sa.Integer),
        sa.Column("connect_ms", sa.Integer),
        sa.Column("tls_ms", sa.Integer),
        sa.Column("ttfb_ms", sa.Integer),
        sa.Column("assertions", postgresql.JSONB),
    )


def upgrade() -> None:
    for column in _monitor_columns():
        op.add_column("monitors", column)
    op.create_check_constraint("ck_monitors_type", "monitors", "type IN ('http', 'tcp', 'tls')")
    for column in _tick_columns():
        op.add_column("ticks", column)


def downgrade() -> None:
    for column in reversed(_tick_columns()):
        op.drop_column("ticks", column.name)
    op.drop_constraint("ck_monitors_type", "monitors")
    for column in reversed(_monitor_columns()):
        op.drop_column("monitors", column.name)
