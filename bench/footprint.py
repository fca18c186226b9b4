"""What each service's image carries and what the checker costs to start (`python -m bench.footprint`).

- Installed size: each service's locked dependencies alone, installed as its image installs them (`uv sync
  --frozen --no-dev --no-editable --package …`, bytecode compiled) in a fresh virtual environment, measured
  with `du`; the interpreter itself is not counted.
- The checker's start, in its own environment (so only what it declares can be imported): the seconds from
  the process's start to `/readyz` answering 200 against a local Valkey, the CPU seconds it used until then,
  and its resident memory then (RSS and PSS); and the seconds `import uptick_checker.main` alone takes,
  inside the process (wall clock and CPU). Medians of several runs.

Prints one JSON document. `--checkout` measures another checkout's lock (an older commit's, say) with this
checkout's uv. Environments and Valkey's data live under /tmp/uptick-footprint-<checkout>/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from bench.procs import cpu_seconds, pss_mib
from uptick_devstack.infra import ROOT, EmbeddedRedis, free_port

SERVICES = tuple(sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists()))
WORK = Path("/tmp") / f"uptick-footprint-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]}"  # noqa: S108
UV = ROOT / ".run" / "tools" / "bin" / "uv"
RUN_ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # as in the image: the bytecode compiled at install


def environment(checkout: Path, service: str) -> Path:
    """A fresh environment holding the service's locked dependencies and nothing else."""
    venv = WORK / service
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([str(UV), "sync", "--frozen", "--no-dev", "--no-editable", "--package", f"uptick-{service}",
                    "--quiet"], cwd=checkout, check=True,
                   env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_COMPILE_BYTECODE": "1"})
    return venv


def installed(venv: Path) -> dict[str, Any]:
    kib = int(subprocess.run(["du", "-sk", str(venv)], capture_output=True, text=True, check=True).stdout.split()[0])
    dists = sorted(p.name.split("-")[0].lower() for p in venv.glob("lib/python*/site-packages/*.dist-info"))
    return {"mib": round(kib / 1024, 1), "distributions": len(dists), "names": dists}


def import_seconds(venv: Path, module: str, runs: int) -> dict[str, float]:
    """Timed inside the process (the interpreter's own start and exit are not the module's): wall-clock
    seconds, and CPU seconds, which other work on a shared machine disturbs far less."""
    code = (f"import time; wall, cpu = time.perf_counter(), time.process_time(); import {module}; "
            "print(time.perf_counter() - wall, time.process_time() - cpu)")
    runs_ = [subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True,
                            env=RUN_ENV).stdout.split() for _ in range(runs)]
    return {"import_s": round(statistics.median(float(wall) for wall, _ in runs_), 3),
            "import_cpu_s": round(statistics.median(float(cpu) for _, cpu in runs_), 3)}


def _vm_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def checker_ready(venv: Path, redis_url: str, runs: int) -> dict[str, float]:
    """Start the checker `runs` times: seconds until /readyz answers 200, the CPU seconds it used until then, RSS
    and PSS at that moment."""
    seconds, cpu, rss, pss = [], [], [], []
    for _ in range(runs):
        port = free_port()
        env = {**RUN_ENV, "UPTICK_REGION": "footprint", "UPTICK_REDIS_URL": redis_url,
               "UPTICK_HEALTH_PORT": str(port), "UPTICK_LOG_FORMAT": "json"}
        started = time.perf_counter()
        process = subprocess.Popen([str(venv / "bin" / "python"), "-m", "uptick_checker.main"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                if process.poll() is not None or time.perf_counter() - started > 30:
                    raise RuntimeError("the checker did not become ready within 30 s")
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.01)
            seconds.append(time.perf_counter() - started)
            cpu.append(cpu_seconds(process.pid))
            rss.append(_vm_rss_mib(process.pid))
            pss.append(pss_mib([process.pid]))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    return {"ready_s": round(statistics.median(seconds), 3), "ready_cpu_s": round(statistics.median(cpu), 2),
            "rss_mib": round(statistics.median(rss), 1),
            "pss_mib": round(statistics.median(pss), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.footprint", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="starts of the checker (the median is reported)")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the checkout whose lock is measured")
    args = parser.parse_args()
    report: dict[str, Any] = {"checkout": str(args.checkout), "installed": {}}
    venvs = {}
    for service in SERVICES:
        venvs[service] = environment(args.checkout, service)
        report["installed"][service] = installed(venvs[service])
    redis = EmbeddedRedis(WORK / "valkey")
    redis.start()
    try:
        report["checker"] = {**import_seconds(venvs["checker"], "uptick_checker.main", args.runs),
                             **checker_ready(venvs["checker"], redis.url, args.runs)}
    finally:
        redis.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
