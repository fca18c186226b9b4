import psycopg

from uptick_devstack.infra import libpq_url


def test_migrations_create_every_table(database_url: str) -> None:
    with psycopg.connect(libpq_url(database_url)) as conn:
        tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"users", "auth_sessions", "monitors", "monitor_status", "ticks", "alembic_version"} <= tables
