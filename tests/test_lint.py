"""ruff and mypy keep the code honest (complexity, security checks, imports; types: strict on the shared library,
checked on the services and devstack, as pyproject.toml says): a finding fails the suite."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    found = shutil.which(tool, path=str(Path(sys.executable).parent)) or tool
    return subprocess.run([found, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_ruff_finds_nothing() -> None:
    answer = _run("ruff", "check", "--no-cache", ".")
    assert answer.returncode == 0, answer.stdout[-5000:] + answer.stderr[-2000:]


def test_mypy_finds_nothing() -> None:
    answer = _run("mypy", "--cache-dir", "/dev/null")  # the files and the strictness: [tool.mypy] in pyproject.toml
    assert answer.returncode == 0, answer.stdout[-5000:] + answer.stderr[-2000:]
