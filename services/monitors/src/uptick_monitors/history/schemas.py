"""What the history endpoints answer (their OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class Latency(BaseModel):
    """Response times (ms) of the checks that had one; percentiles read from a fixed histogram (at most one
    bucket off, within the range seen). Null when no check had one."""

    min: int | None
    avg: float | None
    p50: int | None
    p95: int | None
    p99: int | None
    max: int | None


class Figures(BaseModel):
    checks: int
    up_checks: int
    down_checks: int
    uptime_percent: float | None = Field(description="up time over up and down time; maintenance and unknown "
                                         "time count for neither; null when no check covered the range")
    up_seconds: int = Field(description="each check counts its monitor's interval as up or down")
    down_seconds: int
    unknown_seconds: int = Field(description="time no check covered (no results: a region silent, the monitor "
                                 "paused); never counted as up")
    maintenance_seconds: int = Field(description="time in maintenance windows: excluded from uptime")
    latency_ms: Latency


class UptimeOut(Figures):
    """The monitor over the range; its seconds are summed over its regions (region-seconds)."""

    monitor_id: int
    from_: datetime = Field(alias="from", description="the range's start, aligned to its resolution")
    to: datetime
    resolution: Literal["minute", "hour", "day"]
    regions: dict[str, Figures]


class DayOut(BaseModel):
    date: date
    checks: int
    down_checks: int
    uptime_percent: float | None
    up_seconds: int
    down_seconds: int
    unknown_seconds: int
    maintenance_seconds: int


class DailyOut(BaseModel):
    """One bar per day (UTC), oldest first, today last; seconds are summed over the monitor's regions."""

    monitor_id: int
    items: list[DayOut]


class SlaFigures(BaseModel):
    uptime_percent: float | None = Field(description="as /uptime says, from the checks")
    downtime_minutes: float = Field(description="how long the monitor's incidents lasted within the period "
                                    "(from the first failing check until resolved)")
    maintenance_minutes: float
    unknown_percent: float | None = Field(description="share of the period no check covered")
    incidents: int = Field(description="incidents that overlap the period")
    mttr_minutes: float | None = Field(description="mean time to recovery of those incidents that are resolved")
    longest_outage_minutes: float | None


class SlaMonitor(SlaFigures):
    monitor_id: int
    name: str


class SlaOrganization(SlaFigures):
    monitors: int


class SlaOut(BaseModel):
    from_: datetime = Field(alias="from")
    to: datetime
    resolution: Literal["minute", "hour", "day"]
    organization: SlaOrganization = Field(description="all the organization's monitors together")
    monitors: list[SlaMonitor]


class SeriesPoint(BaseModel):
    """One bucket of one region: its checks and response times (ms; null when no check had one)."""

    t: datetime = Field(description="the bucket's start")
    checks: int
    down_checks: int
    avg_ms: float | None
    p95_ms: int | None
    max_ms: int | None


class SeriesOut(BaseModel):
    """Response times over a range by region, one point per bucket that had checks (none: no point), read
    from the rollups at the range's resolution (minute up to two days within the last two, hour up to 35
    days, else day)."""

    monitor_id: int
    from_: datetime = Field(alias="from")
    to: datetime
    resolution: Literal["minute", "hour", "day"]
    regions: dict[str, list[SeriesPoint]]
