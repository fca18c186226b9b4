"""Alembic environment: migrations run synchronously with psycopg 3 against UPTICK_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from uptick_common.db.engine import sqlalchemy_url
from uptick_common.db.models import Base

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("the Alembic config names no sqlalchemy.url (uptick_common.db.migrate sets it)")
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool, hide_parameters=True)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            # Several replicas may start migrating at once: one waits for the other.
            context.execute("SELECT pg_advisory_xact_lock(7406214)")
            context.run_migrations()


run_migrations_online()
