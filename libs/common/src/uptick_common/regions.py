"""When a region stops counting for a monitor: its checkers have been silent for several intervals."""

from __future__ import annotations

from datetime import timedelta

STALE_INTERVALS = 3
STALE_MARGIN_SECONDS = 10


def stale_after(interval_seconds: int) -> timedelta:
    """How old a region's latest result may be and still vote on the monitor's status."""
    return timedelta(seconds=STALE_INTERVALS * interval_seconds + STALE_MARGIN_SECONDS)
