"""Without any Postgres or Redis around, `make run` and `make test` start the embedded ones."""

from pathlib import Path

import psycopg
import pytest
import redis

from uptick_devstack import infra


@pytest.fixture
def nothing_listening(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("UPTICK_DATABASE_URL", raising=False)
    monkeypatch.delenv("UPTICK_REDIS_URL", raising=False)
    real_port_open = infra.port_open
    monkeypatch.setattr(infra, "port_open",
                        lambda host, port, timeout=0.5: port not in (5432, 6379) and real_port_open(host, port))
    monkeypatch.setattr(infra, "RUN_DIR", tmp_path)
    pgdata = Path("/tmp") / f"uptick-embedded-test-{tmp_path.name}" / "pgdata"  # noqa: S108 - see infra
    monkeypatch.setattr(infra, "embedded_pgdata", lambda: pgdata)
    return pgdata


def test_embedded_postgres_and_valkey_start_and_answer(nothing_listening: Path) -> None:
    pgserver = infra.import_pgserver()
    url, source = infra.postgres_server_url()
    try:
        assert source.startswith("embedded PostgreSQL")
        database = infra.with_database(url, "uptick")
        infra.ensure_database(database)
        with psycopg.connect(infra.libpq_url(database)) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("uptick",)
            assert conn.execute("SHOW server_version_num").fetchone()[0].startswith("16")
    finally:
        pgserver.get_server(nothing_listening).cleanup()

    redis_url, source, server = infra.redis_server_url()
    try:
        assert source.startswith("embedded Valkey") and server is not None
        client = redis.Redis.from_url(redis_url)
        client.xadd("s", {"k": "v"})
        assert client.xlen("s") == 1
        client.close()
    finally:
        server.stop()
