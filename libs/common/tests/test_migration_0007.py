"""Revision 0007 moves a monitor's check options into one JSONB column, `spec`: every monitor keeps its own."""

from __future__ import annotations

import psycopg
from alembic import command

from uptick_common.checks import CheckSpec
from uptick_common.checks.spec import stored_spec
from uptick_common.db.migrate import alembic_config
from uptick_devstack import infra
from uptick_devstack.testing import TEST_DATABASE

_OLD_COLUMNS = ("SELECT id, type, method, headers, body, follow_redirects, expected_status, verify_tls, assertions,"
                " tls_warn_days, grace_seconds FROM monitors")
CUSTOM = {"type": "http", "method": "POST", "headers": {"X-Token": "s3cret"}, "body": "ping",
          "follow_redirects": False, "expected_status": ["200", "300-399"], "verify_tls": False,
          "assertions": [{"type": "json_path", "path": "status", "op": "==", "value": "UP"}], "tls_warn_days": 7,
          "grace_seconds": 0}


def test_every_monitor_keeps_its_check_options(_servers: tuple[str, str]) -> None:
    url = infra.with_database(_servers[0], f"{TEST_DATABASE}_m0007")
    infra.ensure_database(url, recreate=True)
    command.upgrade(alembic_config(url), "0005")  # then 0006 gives the user an organization
    with psycopg.connect(infra.libpq_url(url), autocommit=True) as conn:
        user = conn.execute("INSERT INTO users (email, password_hash) VALUES ('ada@example.com', 'x') RETURNING id"
                            ).fetchone()[0]
        insert = ("INSERT INTO monitors (user_id, name, url, interval_seconds, timeout_seconds, regions{})"
                  " VALUES (%s, 'm', 'https://example.com/', 60, 5, '{{eu-west}}'{}) RETURNING id")
        plain = conn.execute(insert.format("", ""), (user,)).fetchone()[0]
        custom = conn.execute(insert.format(", method, headers, body, follow_redirects, expected_status,"
                                            " verify_tls, assertions, tls_warn_days",
                                            ", 'POST', '{\"X-Token\": \"s3cret\"}', 'ping', false, '{200,300-399}',"
                                            " false, %s, 7"),
                              (user, '[{"type": "json_path", "path": "status", "op": "==", "value": "UP"}]')
                              ).fetchone()[0]
        heartbeat = conn.execute(insert.format(", type, grace_seconds, heartbeat_token", ", 'heartbeat', 60, 'tok'"),
                                 (user,)).fetchone()[0]
    command.upgrade(alembic_config(url), "0006")
    with psycopg.connect(infra.libpq_url(url), autocommit=True) as conn:
        before = {row[0]: row[1:] for row in conn.execute(_OLD_COLUMNS)}
    command.upgrade(alembic_config(url), "head")
    with psycopg.connect(infra.libpq_url(url), autocommit=True) as conn:
        specs = {row[0]: stored_spec(row[1]) for row in conn.execute("SELECT id, spec::text FROM monitors")}
    assert specs[plain] == CheckSpec()
    assert specs[custom] == CheckSpec.model_validate(CUSTOM)
    assert specs[heartbeat] == CheckSpec(type="heartbeat", grace_seconds=60)
    command.downgrade(alembic_config(url), "0006")  # and back: the columns as they were
    with psycopg.connect(infra.libpq_url(url), autocommit=True) as conn:
        assert {row[0]: row[1:] for row in conn.execute(_OLD_COLUMNS)} == before
