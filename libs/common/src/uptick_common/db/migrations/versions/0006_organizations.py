"""Organizations own monitors: memberships with roles, every user's personal organization, and the
account tables that hang off them (API tokens, refresh tokens, invitations, the audit log).

Every existing user gets a personal organization (named after the e-mail address) with the user as its
owner, and each monitor moves into its owner's: nothing is lost. `monitors.user_id` stays as the monitor's
creator (NULL once that account is gone; the monitor stays with its organization).

Monitors inserted with a user and no organization (what the monitors service did before this revision,
so still true of its old pods during a rolling upgrade) land in that user's personal organization.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ROLES = "('owner', 'admin', 'editor', 'viewer')"


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("personal_for", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "memberships",
        sa.Column("org_id", sa.BigInteger, sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(f"role IN {ROLES}", name="ck_memberships_role"),
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    _account_tables()
    op.execute("INSERT INTO organizations (name, personal_for) SELECT email, id FROM users ORDER BY id")
    op.execute("INSERT INTO memberships (org_id, user_id, role) SELECT id, personal_for, 'owner' FROM organizations")

    op.add_column("monitors", sa.Column("org_id", sa.BigInteger))
    op.execute("UPDATE monitors SET org_id = o.id FROM organizations o WHERE o.personal_for = monitors.user_id")
    op.alter_column("monitors", "org_id", nullable=False)
    op.create_foreign_key("monitors_org_id_fkey", "monitors", "organizations", ["org_id"], ["id"],
                          ondelete="CASCADE")
    op.alter_column("monitors", "user_id", nullable=True)
    op.drop_constraint("monitors_user_id_fkey", "monitors")
    op.create_foreign_key("monitors_user_id_fkey", "monitors", "users", ["user_id"], ["id"], ondelete="SET NULL")
    op.drop_index("ix_monitors_user_id_id", "monitors")
    op.create_index("ix_monitors_org_id_id", "monitors", ["org_id", "id"])
    op.execute("""
        CREATE FUNCTION monitors_personal_org() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.org_id := (SELECT id FROM organizations WHERE personal_for = NEW.user_id);
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER monitors_personal_org BEFORE INSERT ON monitors FOR EACH ROW"
               " WHEN (NEW.org_id IS NULL) EXECUTE FUNCTION monitors_personal_org()")


def _account_tables() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("org_id", sa.BigInteger, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_by", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("prefix", sa.Text, nullable=False),
        sa.Column("token_hash", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("scopes", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_api_tokens_org_id", "api_tokens", ["org_id", "id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.LargeBinary, primary_key=True),
        sa.Column("session_id", sa.Text, sa.ForeignKey("auth_sessions.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("org_id", sa.BigInteger, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("invited_by", sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True)),
        sa.Column("accepted_by", sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(f"role IN {ROLES}", name="ck_invitations_role"),
    )
    op.create_index("ix_invitations_org_id", "invitations", ["org_id", "id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("org_id", sa.BigInteger, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor_user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("actor_token_id", sa.BigInteger, sa.ForeignKey("api_tokens.id", ondelete="SET NULL")),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("target_type", sa.Text, nullable=False),
        sa.Column("target_id", sa.Text),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("ix_audit_log_org_id_id", "audit_log", ["org_id", "id"])


def downgrade() -> None:
    op.execute("DROP TRIGGER monitors_personal_org ON monitors")
    op.execute("DROP FUNCTION monitors_personal_org()")
    # A monitor goes back to its creator, else to an owner of its organization.
    op.execute("""
        UPDATE monitors SET user_id = (SELECT m.user_id FROM memberships m WHERE m.org_id = monitors.org_id
                                       ORDER BY m.role <> 'owner', m.created_at LIMIT 1)
        WHERE user_id IS NULL""")
    op.execute("DELETE FROM monitors WHERE user_id IS NULL")
    op.drop_index("ix_monitors_org_id_id", "monitors")
    op.create_index("ix_monitors_user_id_id", "monitors", ["user_id", "id"])
    op.drop_constraint("monitors_user_id_fkey", "monitors")
    op.create_foreign_key("monitors_user_id_fkey", "monitors", "users", ["user_id"], ["id"], ondelete="CASCADE")
    op.alter_column("monitors", "user_id", nullable=False)
    op.drop_constraint("monitors_org_id_fkey", "monitors")
    op.drop_column("monitors", "org_id")
    for table in ("audit_log", "invitations", "refresh_tokens", "api_tokens", "memberships", "organizations"):
        op.drop_table(table)
