"""A monitor's status as `monitor_status` keeps it (written by ingest) and the others read it: each region's
latest result, when a region stops counting, and the status a monitor shows.

A region whose checkers have been silent for several intervals is stale: left out of the vote (ingest, at
tick time) and shown as such (the monitors API, at read time).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, TypeAdapter

STALE_INTERVALS = 3
STALE_MARGIN_SECONDS = 10
# A monitor no result has reached yet (no row in monitor_status, or one ingest has just made), and one its
# owner paused: what the API shows whatever the row says.
PENDING, PAUSED = "pending", "paused"
# Inside a maintenance window (ingest writes it for the checks scheduled in one): no incident, no alert.
MAINTENANCE = "maintenance"
Shown = Literal["up", "down", "pending", "paused", "maintenance"]


@lru_cache(maxsize=1024)  # pure, and intervals are few: read for every region of every monitor listed
def stale_after(interval_seconds: int) -> timedelta:
    """How old a region's latest result may be and still vote on the monitor's status."""
    return timedelta(seconds=STALE_INTERVALS * interval_seconds + STALE_MARGIN_SECONDS)


def shown_status(stored: str | None, *, paused: bool) -> str:
    """The status a monitor shows: `paused` while paused, `pending` until its first result, else the stored one."""
    return PAUSED if paused else stored or PENDING


class RegionResult(BaseModel):
    """A region's latest result of one monitor: a value of `monitor_status.regions` (region → result)."""

    model_config = ConfigDict(extra="ignore")

    status: Literal["up", "down"]
    checked_at: AwareDatetime
    latency_ms: int | None = None
    http_status: int | None = None
    error: str | None = None

    @property
    def down(self) -> bool:
        return self.status == "down"

    def is_stale(self, interval_seconds: int, now: datetime) -> bool:
        return self.checked_at < now - stale_after(interval_seconds)


# `monitor_status.regions` whole, as JSON (its column) or as psycopg reads it.
RegionResults: TypeAdapter[dict[str, RegionResult]] = TypeAdapter(dict[str, RegionResult])


def confirm_failure(results: Mapping[str, RegionResult], region: str) -> bool:
    """Whether a failure seen from `region` is checked again before it counts: unless that region's latest
    result was down already (a second look at a target known to be down would only delay its result)."""
    latest = results.get(region)
    return latest is None or not latest.down
