"""What the monitors API takes and gives. Validation happens here: bad input is a 422, never a 500."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, model_validator

MIN_INTERVAL, MAX_INTERVAL, DEFAULT_INTERVAL = 10, 86_400, 180
MAX_TIMEOUT, DEFAULT_TIMEOUT = 60, 10


def _url_text(url: HttpUrl) -> str:
    if not url.host:
        raise ValueError("the URL needs a host")
    return str(url)


TargetUrl = Annotated[HttpUrl, Field(max_length=2048), AfterValidator(_url_text)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Interval = Annotated[int, Field(ge=MIN_INTERVAL, le=MAX_INTERVAL, description="seconds between checks")]
Timeout = Annotated[int, Field(ge=1, le=MAX_TIMEOUT, description="seconds a check may take")]
Regions = Annotated[list[str], Field(min_length=1, max_length=32)]
Quorum = Annotated[int, Field(ge=1, le=32, description="regions that must fail; default: a majority")]
Period = Annotated[int, Field(ge=0, le=3600)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MonitorCreate(_Strict):
    url: TargetUrl
    name: Name | None = Field(default=None, description="defaults to the URL's host")
    interval_seconds: Interval = DEFAULT_INTERVAL
    timeout_seconds: Timeout = DEFAULT_TIMEOUT
    regions: Regions | None = Field(default=None, description="defaults to every region")
    paused: bool = False
    quorum: Quorum | None = None
    confirmation_period_seconds: Period = Field(
        default=0, description="how long the quorum must fail before the monitor is down")
    recovery_period_seconds: Period = Field(
        default=0, description="how long a down monitor must pass before it is up again")

    @model_validator(mode="after")
    def _timeout_within_interval(self) -> MonitorCreate:
        check_timeout(self.timeout_seconds, self.interval_seconds)
        return self


class MonitorUpdate(_Strict):
    url: TargetUrl | None = None
    name: Name | None = None
    interval_seconds: Interval | None = None
    timeout_seconds: Timeout | None = None
    regions: Regions | None = None
    paused: bool | None = None
    quorum: Quorum | None = None
    confirmation_period_seconds: Period | None = None
    recovery_period_seconds: Period | None = None


def check_timeout(timeout: int, interval: int) -> None:
    if timeout >= interval:
        raise ValueError(f"timeout_seconds ({timeout}) must be shorter than interval_seconds ({interval})")


class RegionStatus(BaseModel):
    status: Literal["up", "down"]
    checked_at: datetime
    latency_ms: int | None = None
    http_status: int | None = None
    error: str | None = None
    stale: bool = Field(default=False, description="silent for several intervals: left out of the quorum")


class MonitorOut(BaseModel):
    id: int
    name: str
    url: str
    interval_seconds: int
    timeout_seconds: int
    regions: list[str]
    paused: bool
    created_at: datetime
    updated_at: datetime
    status: Literal["up", "down", "pending", "paused"]
    last_latency_ms: int | None
    last_checked_at: datetime | None
    last_error: str | None
    recent_latencies_ms: list[int] = Field(description="the last 10 response times, oldest first")
    region_status: dict[str, RegionStatus] = Field(description="the latest result from each region")
    quorum: int | None
    confirmation_period_seconds: int
    recovery_period_seconds: int
    status_since: datetime | None = Field(description="when the status last changed")


class MonitorPage(BaseModel):
    items: list[MonitorOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class TickOut(BaseModel):
    region: str
    status: Literal["up", "down"]
    http_status: int | None
    latency_ms: int | None
    error: str | None
    scheduled_at: datetime
    checked_at: datetime


class TickPage(BaseModel):
    items: list[TickOut]
    next_cursor: str | None


class RegionsOut(BaseModel):
    regions: list[str]


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(exclude_unset=True)
