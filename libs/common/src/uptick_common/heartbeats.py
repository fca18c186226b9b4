"""Heartbeat monitors' results. They are pinged rather than checked: each ping (the monitors service) and each
ping overdue (the poller) is a result in `uptick:results` from the region `push`, like any check's, so ingest
stays the only writer of ticks and of the monitor's state and decides its status from both.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from uptick_common.checks import HEARTBEAT_REGION
from uptick_common.streams import CheckResult, job_id


def ping_result(monitor_id: int, now_ms: int, *, failed: bool) -> CheckResult:
    """A ping; those within the same second are one result (the same job id), so that a job pinging in a loop
    cannot flood the history. A ping to `…/fail` reports a failure, scheduled 1 ms after its second: a success
    and a failure in the same second are two results (not one job id, the failure lost), the failure the later."""
    scheduled_ms = now_ms - now_ms % 1000 + (1 if failed else 0)
    return _result(monitor_id, scheduled_ms, now_ms, "the job reported a failure" if failed else None)


def overdue_result(monitor_id: int, now: datetime, *, last_sign: datetime | None, period_seconds: int,
                   grace_seconds: int) -> CheckResult | None:
    """The `down` result of a heartbeat whose last sign of life (a ping, or the monitor's creation or change)
    is older than its period plus grace at `now`; None while pings are on time."""
    since = last_sign or now
    if now - since <= timedelta(seconds=period_seconds + grace_seconds):
        return None
    grace = f" + {grace_seconds}s grace" if grace_seconds else ""
    now_ms = int(now.timestamp() * 1000)
    return _result(monitor_id, now_ms, now_ms, f"no ping for {int((now - since).total_seconds())}s "
                   f"(expected every {period_seconds}s{grace})")


def _result(monitor_id: int, scheduled_ms: int, checked_ms: int, error: str | None) -> CheckResult:
    return CheckResult(
        job_id=job_id(monitor_id, HEARTBEAT_REGION, scheduled_ms), monitor_id=monitor_id, region=HEARTBEAT_REGION,
        scheduled_ms=scheduled_ms, checked_ms=checked_ms, status="down" if error else "up", error=error,
    )
