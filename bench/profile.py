"""py-spy: where a service's CPU time goes, recorded without pausing it (--nonblocking) and summed up."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from pathlib import Path


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


async def record(pid: int, seconds: float, out: Path, *, rate: int = 100) -> dict[str, object]:
    """Sample `pid` for `seconds`; the collapsed stacks go to `out` (flamegraph.pl or speedscope read them)."""
    tool = py_spy()
    if tool is None:
        return {"error": "py-spy not installed (uv sync --group bench)"}
    process = await asyncio.create_subprocess_exec(
        tool, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))), "--rate", str(rate),
        "--nonblocking", "--format", "raw", "--output", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate()
    if process.returncode != 0 or not out.exists():  # noqa: ASYNC240 - one stat
        return {"error": f"py-spy failed: {err.decode(errors='replace')[-300:]}"}
    return summarize(out)


def _package(frame: str) -> str:
    """`connect (aiohttp/connector.py:1263)` → `aiohttp`; the standard library's modules by name."""
    where = frame[frame.rfind("(") + 1:].split(":")[0]
    first = where.split("/")[0] if "/" in where else where.removesuffix(".py")
    return first.lstrip("<").rstrip(">") or "?"


def _function(frame: str) -> str:
    """The frame without its line number, so that one function's lines add up."""
    return frame.rsplit(":", 1)[0] + ")" if ":" in frame else frame


def summarize(path: Path, top: int = 10) -> dict[str, object]:
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f and not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += n
        own[_function(frames[-1])] += n
        packages[_package(frames[-1])] += n
        for name in {_function(f) for f in frames if "uptick_" in f}:
            inclusive[name] += n

    def share(counter: Counter[str]) -> list[list[object]]:
        return [[name, round(100 * n / total, 1)] for name, n in counter.most_common(top)] if total else []

    return {"samples": total, "file": str(path), "self_by_package_pct": share(packages),
            "self_by_function_pct": share(own), "uptick_inclusive_pct": share(inclusive)}
