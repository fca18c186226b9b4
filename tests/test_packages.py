"""Each service declares what it runs and loads only that: the shared library's extras, as images see them.

- In an environment holding one service's locked dependencies and nothing else (what its image installs),
  every module of the service imports: nothing it needs is missing from its pyproject.toml. The checker,
  whose image has no Postgres or API libraries, also starts there and answers /readyz.
- In the development environment, where every library is installed, a service's modules still do not load
  the libraries of other kinds of process (the checker neither SQLAlchemy nor psycopg nor FastAPI).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from uptick_devstack.infra import ROOT, free_port

UV = ROOT / ".run" / "tools" / "bin" / "uv"
SERVICES = tuple(sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists()))
POSTGRES = {"sqlalchemy", "psycopg", "alembic"}
API = {"fastapi", "starlette", "uvicorn", "jwt"}
WORKER = {"aiohttp", "uvloop"}
# What each service's modules must not load (top-level package names).
NOT_LOADED = {
    "checker": POSTGRES | API,
    "poller": API | {"alembic"},
    "ingest": API | {"alembic"},
    "notifier": API | {"alembic"},
    "operator": POSTGRES | API,
    "auth": WORKER | {"alembic"},
    "monitors": WORKER | {"alembic"},
    "web": POSTGRES | API,  # static files: neither a database nor the API's libraries
}

# Imports every module of a service's package; prints the top-level packages then loaded.
IMPORT_ALL = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))
"""


def _import_all(python: Path | str, service: str) -> set[str]:
    done = subprocess.run([str(python), "-c", IMPORT_ALL, f"uptick_{service}"], capture_output=True, text=True,
                          timeout=60, check=False, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout))


@pytest.fixture(scope="module")
def own_environments(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per service, the interpreter of an environment with only that service's locked dependencies."""
    assert UV.exists(), f"{UV} is missing: `make sync` installs it"
    pythons = {}
    for service in SERVICES:
        venv = tmp_path_factory.mktemp(f"env-{service}")
        done = subprocess.run([str(UV), "sync", "--frozen", "--offline", "--no-dev", "--package", f"uptick-{service}",
                               "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                              env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)})
        assert done.returncode == 0, done.stderr[-3000:]
        pythons[service] = venv / "bin" / "python"
    return pythons


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_with_only_its_own_dependencies(own_environments: dict[str, Path], service: str) -> None:
    loaded = _import_all(own_environments[service], service)
    assert f"uptick_{service}" in loaded


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_loads_no_library_of_another_kind_of_process(service: str) -> None:
    loaded = _import_all(sys.executable, service)
    assert f"uptick_{service}" in loaded
    assert loaded & NOT_LOADED[service] == set()


def test_the_checker_starts_and_is_ready_without_postgres_libraries(own_environments: dict[str, Path],
                                                                   redis_url: str, tmp_path: Path) -> None:
    python = own_environments["checker"]
    missing = subprocess.run([str(python), "-c", "import sqlalchemy"], capture_output=True, timeout=30, check=False)
    assert missing.returncode != 0, "the checker's environment should not hold SQLAlchemy"
    port = free_port()
    env = {**os.environ, "UPTICK_REGION": "packages", "UPTICK_REDIS_URL": redis_url, "UPTICK_HEALTH_PORT": str(port)}
    log = tmp_path / "checker.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(python), "-m", "uptick_checker.main"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        answer = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                if answer.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        assert process.poll() is None, log.read_text()[-3000:]
        assert answer is not None and answer.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert process.returncode == 0
