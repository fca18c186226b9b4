"""Heartbeat monitors are not checked: they are pinged. The poller looks at them on their slots, and a
monitor whose last ping is older than its period plus grace gets a `down` result, as a failed check
would. Its pings (results too) come from the monitors service; ingest decides the status from both."""

from __future__ import annotations

from datetime import datetime, timedelta

from uptick_common.checks import HEARTBEAT_REGION
from uptick_common.streams import CheckResult, job_id
from uptick_poller.schedule import DueMonitor


def overdue(monitor: DueMonitor, now: datetime) -> CheckResult | None:
    """The `down` result for a heartbeat whose ping is overdue at `now`; None while pings are on time."""
    since = monitor.last_sign or now
    allowed = timedelta(seconds=monitor.interval_seconds + monitor.grace_seconds)
    if now - since <= allowed:
        return None
    now_ms = int(now.timestamp() * 1000)
    grace = f" + {monitor.grace_seconds}s grace" if monitor.grace_seconds else ""
    return CheckResult(
        job_id=job_id(monitor.id, HEARTBEAT_REGION, now_ms), monitor_id=monitor.id, region=HEARTBEAT_REGION,
        scheduled_ms=now_ms, checked_ms=now_ms, status="down",
        error=f"no ping for {int((now - since).total_seconds())}s (expected every {monitor.interval_seconds}s"
              f"{grace})",
    )
