"""A monitor's current state from its latest results: pure functions, no I/O.

- Each region keeps its newest result. A region with no result for several intervals (its checkers
  are gone; uptick_common.status) is left out of the vote instead of making the monitor look down or up.
- The monitor is failing when at least `quorum` of the regions still voting report down (default: a
  majority of them). One region alone never flips a two-region monitor.
- Failing must last the confirmation period before the monitor is `down`; passing must last the
  recovery period before a down monitor is `up` again (Better Stack's confirmation and recovery periods).
- A check scheduled inside a maintenance window makes the monitor `maintenance`, whatever it found, and
  starts no confirmation or recovery period: after the window, the first check decides afresh (up at once;
  down once failing has lasted the confirmation period from then), never from failures inside the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from uptick_common.status import MAINTENANCE, PENDING, RegionResult

RECENT_LATENCIES = 10


@dataclass
class NewTick:
    monitor_id: int
    region: str
    checked_at: datetime
    status: str
    latency_ms: int | None
    error: str | None
    http_status: int | None
    maintenance: bool = False  # scheduled inside a maintenance window of its monitor


@dataclass(frozen=True)
class Policy:
    """What a monitor's owner chose: where it is checked from and how sure Uptick must be."""

    regions: tuple[str, ...]
    interval_seconds: int
    quorum: int | None = None
    confirmation_period_seconds: int = 0
    recovery_period_seconds: int = 0

    def required(self, voting: int) -> int:
        majority = voting // 2 + 1
        return max(1, min(self.quorum or majority, voting))


@dataclass
class MonitorState:
    status: str = PENDING
    last_latency_ms: int | None = None
    last_checked_at: datetime | None = None
    last_error: str | None = None
    recent_latencies_ms: list[int] = field(default_factory=list)
    regions: dict[str, RegionResult] = field(default_factory=dict)
    failing_since: datetime | None = None
    passing_since: datetime | None = None
    status_changed_at: datetime | None = None


def apply(state: MonitorState, ticks: list[NewTick], policy: Policy) -> MonitorState:
    """The state after `ticks` (results may arrive out of order; each region keeps its newest)."""
    for tick in sorted(ticks, key=lambda t: t.checked_at):
        newest = state.last_checked_at is None or tick.checked_at >= state.last_checked_at
        _record(state, tick)
        if tick.maintenance:
            if newest:  # a late result from a window that has ended changes nothing
                _maintain(state, now=tick.checked_at)
        else:
            _decide(state, policy, now=tick.checked_at)
    state.recent_latencies_ms = state.recent_latencies_ms[-RECENT_LATENCIES:]
    state.last_error = _latest_error(state, policy) if state.status == "down" else None
    return state


def voting_regions(state: MonitorState, policy: Policy, now: datetime) -> dict[str, RegionResult]:
    """The monitor's regions whose latest result is recent enough to count."""
    return {
        name: result for name, result in state.regions.items()
        if name in policy.regions and not result.is_stale(policy.interval_seconds, now)
    }


def _record(state: MonitorState, tick: NewTick) -> None:
    known = state.regions.get(tick.region)
    if known is None or known.checked_at <= tick.checked_at:
        state.regions[tick.region] = RegionResult(
            status=tick.status, checked_at=tick.checked_at, latency_ms=tick.latency_ms,
            http_status=tick.http_status, error=tick.error)
    if state.last_checked_at is None or tick.checked_at >= state.last_checked_at:
        state.last_checked_at = tick.checked_at
        state.last_latency_ms = tick.latency_ms
    if tick.latency_ms is not None:
        state.recent_latencies_ms.append(tick.latency_ms)


def _decide(state: MonitorState, policy: Policy, now: datetime) -> None:
    voting = voting_regions(state, policy, now)
    if not voting:
        return
    down = sum(1 for result in voting.values() if result.down)
    if down >= policy.required(len(voting)):
        state.passing_since = None
        state.failing_since = state.failing_since or now
        confirmed = now - state.failing_since >= timedelta(seconds=policy.confirmation_period_seconds)
        if state.status != "down" and confirmed:
            _change(state, "down", now)
    else:
        state.failing_since = None
        state.passing_since = state.passing_since or now
        recovered = now - state.passing_since >= timedelta(seconds=policy.recovery_period_seconds)
        if state.status in (PENDING, MAINTENANCE) or (state.status == "down" and recovered):
            _change(state, "up", now)


def _maintain(state: MonitorState, now: datetime) -> None:
    state.failing_since = state.passing_since = None
    if state.status != MAINTENANCE:
        _change(state, MAINTENANCE, now)


def _change(state: MonitorState, status: str, now: datetime) -> None:
    state.status = status
    state.status_changed_at = now


def _latest_error(state: MonitorState, policy: Policy) -> str | None:
    failing = [r for name, r in state.regions.items() if r.down and name in policy.regions]
    return max(failing, key=lambda r: r.checked_at).error if failing else None
