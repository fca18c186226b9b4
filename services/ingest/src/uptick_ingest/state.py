"""A monitor's current state from its latest results: pure functions, no I/O.

The overall status follows the regions: `down` when more of the monitor's regions report down than
up, `up` when more report up; on a tie the previous status stands, so that one region's trouble
alone never flips a two-region monitor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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


@dataclass
class MonitorState:
    status: str = "pending"
    last_latency_ms: int | None = None
    last_checked_at: datetime | None = None
    last_error: str | None = None
    recent_latencies_ms: list[int] = field(default_factory=list)
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)


def apply(state: MonitorState, ticks: list[NewTick]) -> MonitorState:
    """The state after `ticks` (results may arrive out of order; each region keeps its newest)."""
    for tick in sorted(ticks, key=lambda t: t.checked_at):
        known = state.regions.get(tick.region)
        if known is None or datetime.fromisoformat(known["checked_at"]) <= tick.checked_at:
            state.regions[tick.region] = {
                "status": tick.status,
                "checked_at": tick.checked_at.isoformat(),
                "latency_ms": tick.latency_ms,
                "http_status": tick.http_status,
                "error": tick.error,
            }
        if state.last_checked_at is None or tick.checked_at >= state.last_checked_at:
            state.last_checked_at = tick.checked_at
            state.last_latency_ms = tick.latency_ms
        if tick.latency_ms is not None:
            state.recent_latencies_ms.append(tick.latency_ms)
    state.recent_latencies_ms = state.recent_latencies_ms[-RECENT_LATENCIES:]
    state.status = _overall(state)
    state.last_error = _latest_error(state) if state.status == "down" else None
    return state


def _overall(state: MonitorState) -> str:
    down = sum(1 for r in state.regions.values() if r["status"] == "down")
    up = len(state.regions) - down
    if down > up:
        return "down"
    if up > down:
        return "up"
    return state.status if state.status in ("up", "down") else "up"


def _latest_error(state: MonitorState) -> str | None:
    failing = [r for r in state.regions.values() if r["status"] == "down"]
    return max(failing, key=lambda r: r["checked_at"])["error"] if failing else None
