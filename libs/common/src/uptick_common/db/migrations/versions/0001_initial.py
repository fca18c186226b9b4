"""Users, sessions, monitors, their status and ticks.

Revision ID: 0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NOW = sa.text("now()")


def _ts(name: str, **kwargs: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("email", sa.Text, nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        _ts("created_at", nullable=False, server_default=NOW),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        _ts("created_at", nullable=False, server_default=NOW),
        _ts("expires_at", nullable=False),
        _ts("revoked_at"),
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])
    op.create_table(
        "monitors",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("interval_seconds", sa.Integer, nullable=False),
        sa.Column("timeout_seconds", sa.Integer, nullable=False),
        sa.Column("regions", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.text("false")),
        _ts("created_at", nullable=False, server_default=NOW),
        _ts("updated_at", nullable=False, server_default=NOW),
        _ts("next_due_at", nullable=False, server_default=NOW),
        sa.CheckConstraint("interval_seconds >= 10", name="ck_monitors_interval"),
        sa.CheckConstraint("timeout_seconds >= 1", name="ck_monitors_timeout"),
    )
    op.create_index("ix_monitors_user_id_id", "monitors", ["user_id", "id"])
    op.create_index("ix_monitors_due", "monitors", ["next_due_at"], postgresql_where=sa.text("NOT paused"))
    op.create_table(
        "monitor_status",
        sa.Column(
            "monitor_id", sa.BigInteger, sa.ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("last_latency_ms", sa.Integer),
        _ts("last_checked_at"),
        sa.Column("last_error", sa.Text),
        sa.Column("recent_latencies_ms", postgresql.ARRAY(sa.Integer), nullable=False,
                  server_default=sa.text("'{}'")),
        sa.Column("regions", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'")),
        _ts("updated_at", nullable=False, server_default=NOW),
    )
    op.create_table(
        "ticks",
        sa.Column("monitor_id", sa.BigInteger, nullable=False),
        _ts("scheduled_at", nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        _ts("checked_at", nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("http_status", sa.SmallInteger),
        sa.Column("latency_ms", sa.Integer),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("monitor_id", "scheduled_at", "region", name="pk_ticks"),
    )


def downgrade() -> None:
    for table in ("ticks", "monitor_status", "monitors", "auth_sessions", "users"):
        op.drop_table(table)
