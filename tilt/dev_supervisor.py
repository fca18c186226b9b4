"""Dev images only (tilt up): run a service and start it again when Tilt has synced new code.

Tilt's live_update copies the changed files into the container's site-packages, then writes the
trigger file; this supervisor sees the file change, stops the service (SIGTERM, then SIGKILL after a
grace period) and starts it again, without restarting the container (which would lose the synced
files). SIGTERM/SIGINT to the supervisor go to the service, and the supervisor exits with its code;
a service that exits by itself ends the container as it would without the supervisor.

    python dev_supervisor.py /app/.venv/bin/uptick-auth [args…]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

TRIGGER = os.environ.get("UPTICK_DEV_RESTART_FILE", "/tmp/.uptick-restart")  # noqa: S108 - the pod's own emptyDir
GRACE_SECONDS = 10.0
POLL_SECONDS = 0.5


def trigger_stamp() -> tuple[float, int] | None:
    try:
        stat = os.stat(TRIGGER)
    except FileNotFoundError:
        return None
    return stat.st_mtime, stat.st_size


def stop(child: subprocess.Popen[bytes]) -> int:
    child.terminate()
    try:
        return child.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


def main(command: list[str]) -> int:
    stopping = False
    child = subprocess.Popen(command)

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    seen = trigger_stamp()
    while True:
        code = child.poll()
        if code is not None:
            return code
        if not stopping and (stamp := trigger_stamp()) != seen:
            seen = stamp
            print(f"dev_supervisor: code changed, restarting {command[0]}", file=sys.stderr, flush=True)
            stop(child)
            child = subprocess.Popen(command)
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: dev_supervisor.py COMMAND [ARG…]")
    sys.exit(main(sys.argv[1:]))
