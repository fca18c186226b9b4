"""ruff keeps the code honest (complexity, security checks, imports): a finding fails the suite."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    answer = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert answer.returncode == 0, answer.stdout[-5000:] + answer.stderr[-2000:]
