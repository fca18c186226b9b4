"""A monitor's check is one JSONB column, `spec` (uptick_common.checks.CheckSpec), instead of a column per option.

Adding an option to CheckSpec is then the only change it needs: no column, no migration, no query to edit;
a row stored before the option existed reads as its default. Every existing monitor keeps its options: they
are moved into `spec` as they are (and back, on downgrade).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The columns as 0003 and 0004 made them: name, type, server default, and how a value of `spec` reads as one.
_COLUMNS = (
    ("type", sa.Text, sa.text("'http'"), "spec->>'type'"),
    ("method", sa.Text, sa.text("'GET'"), "spec->>'method'"),
    ("headers", postgresql.JSONB, sa.text("'{}'"), "spec->'headers'"),
    ("body", sa.Text, None, "spec->>'body'"),
    ("follow_redirects", sa.Boolean, sa.text("true"), "(spec->>'follow_redirects')::boolean"),
    ("expected_status", postgresql.ARRAY(sa.Text), sa.text("'{200-399}'"),
     "ARRAY(SELECT jsonb_array_elements_text(spec->'expected_status'))"),
    ("verify_tls", sa.Boolean, sa.text("true"), "(spec->>'verify_tls')::boolean"),
    ("assertions", postgresql.JSONB, sa.text("'[]'"), "spec->'assertions'"),
    ("tls_warn_days", sa.Integer, sa.text("14"), "(spec->>'tls_warn_days')::integer"),
    ("grace_seconds", sa.Integer, sa.text("0"), "(spec->>'grace_seconds')::integer"),
)


def upgrade() -> None:
    op.add_column("monitors", sa.Column("spec", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'")))
    pairs = ", ".join(f"'{name}', {name}" for name, *_ in _COLUMNS)
    op.execute(f"UPDATE monitors SET spec = jsonb_build_object({pairs})")  # noqa: S608 - our own names
    for name, *_ in _COLUMNS:
        op.drop_column("monitors", name)


def downgrade() -> None:
    for name, kind, default, _ in _COLUMNS:
        op.add_column("monitors", sa.Column(name, kind, nullable=default is None, server_default=default))
    for name, *_, value in _COLUMNS:  # a key the spec leaves out (or null) keeps the column's default
        where = "" if name == "body" else f" WHERE spec ? '{name}' AND spec->'{name}' <> 'null'"
        op.execute(f"UPDATE monitors SET {name} = {value}{where}")  # noqa: S608 - our own names
    op.drop_column("monitors", "spec")
