"""Revision 0006 moves every monitor into its owner's personal organization: nothing is lost."""

from __future__ import annotations

import psycopg
from alembic import command

from uptick_common.db.migrate import alembic_config
from uptick_devstack import infra
from uptick_devstack.testing import TEST_DATABASE


def test_monitors_move_into_their_owners_personal_organizations(_servers: tuple[str, str]) -> None:
    url = infra.with_database(_servers[0], f"{TEST_DATABASE}_m0006")
    infra.ensure_database(url, recreate=True)
    command.upgrade(alembic_config(url), "0005")
    with psycopg.connect(infra.libpq_url(url), autocommit=True) as conn:
        users = [conn.execute("INSERT INTO users (email, password_hash) VALUES (%s, 'x') RETURNING id",
                              (email,)).fetchone()[0] for email in ("ada@example.com", "bob@example.com")]
        for user, count in zip(users, (3, 2), strict=True):
            conn.execute("INSERT INTO monitors (user_id, name, url, interval_seconds, timeout_seconds, regions)"
                         " SELECT %s, 'm' || n, 'https://example.com/' || n, 60, 5, '{eu-west}'"
                         " FROM generate_series(1, %s) n", (user, count))
    command.upgrade(alembic_config(url), "head")
    with psycopg.connect(infra.libpq_url(url), autocommit=True) as conn:
        owned = conn.execute(
            "SELECT u.email, o.name, o.personal_for = u.id, m.role, count(mon.id)"
            " FROM users u JOIN memberships m ON m.user_id = u.id JOIN organizations o ON o.id = m.org_id"
            " LEFT JOIN monitors mon ON mon.org_id = o.id GROUP BY 1, 2, 3, 4 ORDER BY 1").fetchall()
        assert owned == [("ada@example.com", "ada@example.com", True, "owner", 3),
                         ("bob@example.com", "bob@example.com", True, "owner", 2)]
        # The monitors service's old pods (a user, no organization) still land in the personal one.
        conn.execute("INSERT INTO monitors (user_id, name, url, interval_seconds, timeout_seconds, regions)"
                     " VALUES (%s, 'late', 'https://example.com/late', 60, 5, '{eu-west}')", (users[1],))
        assert conn.execute("SELECT count(*) FROM monitors m JOIN organizations o ON o.id = m.org_id"
                            " WHERE o.personal_for = %s", (users[1],)).fetchone()[0] == 3
    command.downgrade(alembic_config(url), "0005")  # and back: every monitor with its user again
    with psycopg.connect(infra.libpq_url(url), autocommit=True) as conn:
        assert conn.execute("SELECT user_id, count(*) FROM monitors GROUP BY 1 ORDER BY 1").fetchall() == [
            (users[0], 3), (users[1], 3)]
