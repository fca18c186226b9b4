"""The service images: hadolint, and the shape every Dockerfile must keep (multi-stage uv build,
non-root, read-only-friendly, the service's console script as entrypoint)."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("auth", "monitors", "poller", "checker", "ingest")


def test_every_service_has_a_dockerfile():
    found = sorted(p.parent.name for p in (ROOT / "services").glob("*/Dockerfile"))
    assert found == sorted(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_hadolint(hadolint, service):
    result = subprocess.run(
        [hadolint, "--failure-threshold", "warning", f"services/{service}/Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_shape(service):
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    package = f"uptick-{service}"
    assert re.findall(r"^FROM (\S+)", text, re.M) == ["python:3.11-slim-bookworm", "python:3.11-slim-bookworm"]
    assert "COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv" in text
    assert f"uv sync --frozen --no-dev --no-install-workspace --package {package}" in text
    assert f"uv sync --frozen --no-dev --no-editable --package {package}" in text
    assert text.count("--mount=type=cache,target=/root/.cache/uv") == 2
    assert f"COPY services/{service} services/{service}" in text and "COPY libs/common libs/common" in text
    # The final stage: only the virtual environment, a numeric non-root user, no bytecode writes.
    final = text.split("\nFROM ")[-1]
    assert re.findall(r"^COPY .*", final, re.M) == ["COPY --from=builder /app/.venv /app/.venv"]
    assert "PYTHONDONTWRITEBYTECODE=1" in final
    assert re.search(r"^USER 10001:10001$", final, re.M)
    assert final.rstrip().endswith(f'ENTRYPOINT ["/app/.venv/bin/{package}"]')


@pytest.mark.parametrize("service", SERVICES)
def test_entrypoint_is_a_declared_console_script(service):
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())["project"]
    assert f"uptick-{service}" in project.get("scripts", {})


def test_migrate_script_is_in_the_shared_library():
    """The migration Job runs /app/.venv/bin/uptick-migrate from the monitors image."""
    project = tomllib.loads((ROOT / "libs" / "common" / "pyproject.toml").read_text())["project"]
    assert "uptick-migrate" in project.get("scripts", {})


def test_dockerignore_keeps_the_context_small():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".run", "**/__pycache__", "**/.pytest_cache", "tests"} <= ignored
