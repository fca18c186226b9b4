"""The service images: one Dockerfile at the repository root, built once per service with
`--build-arg SERVICE=<name>`; hadolint, and the shape it must keep (multi-stage uv build that installs
only that service's packages from the lock, non-root, read-only-friendly, the service's console script
as entrypoint)."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
# Every service of the workspace builds from the one Dockerfile; a new one needs nothing but its folder.
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))


def test_one_dockerfile_for_every_service():
    assert DOCKERFILE.is_file()
    assert not sorted((ROOT / "services").glob("*/Dockerfile")), "services build from the root Dockerfile"
    assert {"auth", "monitors", "poller", "checker", "ingest"} <= set(SERVICES)


def test_hadolint(hadolint):
    result = subprocess.run(
        [hadolint, "--failure-threshold", "warning", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_shape():
    text = DOCKERFILE.read_text()
    assert re.findall(r"^FROM (\S+)", text, re.M) == ["node:20-bookworm-slim", "python:3.11-slim-bookworm",
                                                      "python:3.11-slim-bookworm"]
    assets, builder, final = text.split("\nFROM ")[1:]
    # The dashboard's libraries: installed from the lock (npm ci), vendored, copied into the builder.
    assert "npm ci --omit=dev" in assets and "node vendor.mjs" in assets
    vendor = "src/uptick_web/static/vendor"
    assert f"COPY --from=web-assets /web/{vendor} services/web/{vendor}" in builder
    assert re.search(r"^ARG SERVICE$", builder, re.M), "the builder takes the service as a build argument"
    assert "COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv" in builder
    # Only this service's packages from the lock: third-party first (a layer kept until uv.lock
    # changes), then the code as wheels.
    first = builder.index('uv sync --frozen --no-dev --no-install-workspace --package "uptick-${SERVICE}"')
    copy = builder.index("COPY services/${SERVICE} services/${SERVICE}")
    second = builder.index('uv sync --frozen --no-dev --no-editable --package "uptick-${SERVICE}"')
    assert first < copy < second
    assert "COPY libs libs" in builder
    assert builder.count("--mount=type=cache,target=/root/.cache/uv") == 2
    assert 'ln -s "uptick-${SERVICE}" /app/.venv/bin/uptick-service' in builder
    # The final stage: only the virtual environment, a numeric non-root user, no bytecode writes.
    assert re.findall(r"^COPY .*", final, re.M) == ["COPY --from=builder /app/.venv /app/.venv"]
    assert "SERVICE" not in final.replace("uptick-service", "")
    assert "PYTHONDONTWRITEBYTECODE=1" in final
    assert re.search(r"^USER 10001:10001$", final, re.M)
    assert final.rstrip().endswith('ENTRYPOINT ["/app/.venv/bin/uptick-service"]')


@pytest.mark.parametrize("service", SERVICES)
def test_entrypoint_is_a_declared_console_script(service):
    """The image's uptick-service links to uptick-<SERVICE>, which the service's package declares."""
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())["project"]
    assert f"uptick-{service}" in project.get("scripts", {})


def test_migrate_and_maintain_scripts_are_in_the_shared_library():
    """The migration Job and the maintenance CronJob run /app/.venv/bin/uptick-{migrate,maintain} from the
    monitors image."""
    project = tomllib.loads((ROOT / "libs" / "common" / "pyproject.toml").read_text())["project"]
    assert {"uptick-migrate", "uptick-maintain"} <= project.get("scripts", {}).keys()


def test_dockerignore_keeps_the_context_small():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".run", "**/__pycache__", "**/.pytest_cache", "tests"} <= ignored


def test_tiltfile_builds_every_service_from_the_one_dockerfile():
    text = (ROOT / "Tiltfile").read_text()
    assert "dockerfile='Dockerfile'" in text
    assert "build_args={'SERVICE': name}" in text and "build_args={'SERVICE': 'monitors'}" in text
    assert "services/%s/Dockerfile" not in text
