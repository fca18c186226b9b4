"""What the monitors API takes and gives. Validation happens here: bad input is a 422, never a 500."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator, model_validator
from pydantic.fields import FieldInfo
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from uptick_common.checks import AssertionResult, CheckSpec
from uptick_common.checks.targets import HEARTBEAT_TARGET, stored_target
from uptick_common.status import RegionResult, Shown

MIN_INTERVAL, MAX_INTERVAL, DEFAULT_INTERVAL = 10, 86_400, 180
MAX_TIMEOUT, DEFAULT_TIMEOUT = 60, 10
Target = Annotated[str, Field(min_length=1, max_length=8192,
                              description="an http(s) URL; for tcp and tls monitors host:port")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Interval = Annotated[int, Field(ge=MIN_INTERVAL, le=MAX_INTERVAL, description="seconds between checks")]
Timeout = Annotated[int, Field(ge=1, le=MAX_TIMEOUT, description="seconds a check may take")]
Regions = Annotated[list[str], Field(min_length=1, max_length=32)]
Quorum = Annotated[int, Field(ge=1, le=32, description="regions that must fail; default: a majority")]
Period = Annotated[int, Field(ge=0, le=3600)]
ManagedBy = Annotated[str, Field(min_length=1, max_length=300, description="where the monitor is managed (e.g. a "
                                 "Kubernetes resource): only requests with this X-Uptick-Managed-By change it")]
ChannelIds = Annotated[list[Annotated[int, Field(ge=1, le=2**63 - 1)]], Field(max_length=50)]
AlertDelay = Annotated[int, Field(ge=60, le=7 * 86_400)]
MonitorId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MonitorCreate(CheckSpec):
    """A monitor: its target and schedule, and how it is checked (the fields of a `CheckSpec`)."""

    # Unlike the CheckSpec it extends, not frozen: its validators fill in defaults that depend on other fields.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)

    url: Target | None = Field(default=None, description="required but for heartbeat monitors")
    name: Name | None = Field(default=None, description="defaults to the URL's host")
    interval_seconds: Interval = DEFAULT_INTERVAL  # a heartbeat monitor's: how often it expects a ping
    timeout_seconds: Timeout | None = Field(default=None, description=f"default {DEFAULT_TIMEOUT} (or less, to "
                                            "stay shorter than the interval)")
    regions: Regions | None = Field(default=None, description="defaults to every region")
    paused: bool = False
    quorum: Quorum | None = None
    confirmation_period_seconds: Period = Field(
        default=0, description="how long the quorum must fail before the monitor is down")
    recovery_period_seconds: Period = Field(
        default=0, description="how long a down monitor must pass before it is up again")
    managed_by: ManagedBy | None = None
    channel_ids: ChannelIds | None = Field(
        default=None, description="the channels its incidents alert; null: the organization's default channels")
    reminder_interval_seconds: AlertDelay | None = Field(
        default=None, description="while an incident is open and unacknowledged, tell its channels again this often")
    escalate_after_seconds: AlertDelay | None = Field(
        default=None, description="an incident unacknowledged this long is told to escalation_channel_ids too")
    escalation_channel_ids: ChannelIds | None = None
    depends_on: MonitorId | None = Field(
        default=None, description="the monitor this one depends on: while that one is down, this one alerts nothing")

    @model_validator(mode="after")
    def _timeout_within_interval(self) -> MonitorCreate:
        if self.timeout_seconds is None:
            self.timeout_seconds = min(DEFAULT_TIMEOUT, self.interval_seconds - 1)
        check_timeout(self.timeout_seconds, self.interval_seconds)
        return self

    @model_validator(mode="after")
    def _url_unless_heartbeat(self) -> MonitorCreate:
        if self.type == "heartbeat":
            self.url = HEARTBEAT_TARGET
        elif self.url is None:
            raise ValueError(f"url is required for a {self.type} monitor")
        return self

    @field_validator("url")
    @classmethod
    def _target_fits_type(cls, url: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("type")  # validated first: CheckSpec's fields come before this model's
        if url is None or kind is None:  # an explicit null: _url_unless_heartbeat says what is missing
            return url
        return stored_target(kind, url)


class _MonitorFields(_Strict):
    url: Target | None = None
    name: Name | None = None
    interval_seconds: Interval | None = None
    timeout_seconds: Timeout | None = None
    regions: Regions | None = None
    paused: bool | None = None
    quorum: Quorum | None = None
    confirmation_period_seconds: Period | None = None
    recovery_period_seconds: Period | None = None
    channel_ids: ChannelIds | None = None  # null: the organization's default channels
    reminder_interval_seconds: AlertDelay | None = None  # null: no reminders
    escalate_after_seconds: AlertDelay | None = None  # null: no escalation
    escalation_channel_ids: ChannelIds | None = None
    depends_on: MonitorId | None = None  # null: depends on none


def _optional(field: FieldInfo) -> tuple[Any, Any]:
    """A CheckSpec field as a change: the same type and rules, or absent (None)."""
    kind: Any = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    return kind | None, Field(default=None, description=field.description, repr=field.repr)


# The monitor's fields, then the check's, each optional: validated again with the monitor's other values (as
# a CheckSpec) before they are saved.
MonitorUpdate = create_model(
    "MonitorUpdate", __base__=_MonitorFields, __module__=__name__,
    **{name: _optional(field) for name, field in CheckSpec.model_fields.items()},  # type: ignore[call-overload]
)


def check_timeout(timeout: int, interval: int) -> None:
    if timeout >= interval:
        raise ValueError(f"timeout_seconds ({timeout}) must be shorter than interval_seconds ({interval})")


class RegionStatus(RegionResult):
    stale: bool = Field(default=False, description="silent for several intervals: left out of the quorum")


class BadgeUrls(TypedDict):
    """The monitor's SVG badges (paths on Uptick's public origin, no login needed: the token in them is the
    secret; POST /api/monitors/{id}/badge-token replaces it)."""

    status: str
    uptime_24h: str
    uptime_7d: str
    uptime_30d: str
    latency: str


def badge_urls(token: str) -> BadgeUrls:
    prefix = f"/api/badges/{token}/"
    return {"status": prefix + "status.svg", "uptime_24h": prefix + "uptime-24h.svg",
            "uptime_7d": prefix + "uptime-7d.svg", "uptime_30d": prefix + "uptime-30d.svg",
            "latency": prefix + "latency.svg"}


class MonitorOut(CheckSpec):
    id: int
    name: str
    url: str
    interval_seconds: int
    timeout_seconds: int
    regions: list[str]
    paused: bool
    created_at: datetime
    updated_at: datetime
    status: Shown
    last_latency_ms: int | None
    last_checked_at: datetime | None
    last_error: str | None
    recent_latencies_ms: list[int] = Field(description="the last 10 response times, oldest first")
    region_status: dict[str, RegionStatus] = Field(description="the latest result from each region")
    quorum: int | None
    confirmation_period_seconds: int
    recovery_period_seconds: int
    status_since: datetime | None = Field(description="when the status last changed")
    managed_by: str | None = Field(description="where it is managed; changed elsewhere it is a 409")
    channel_ids: list[int] | None = Field(description="the channels its incidents alert; null: the defaults")
    reminder_interval_seconds: int | None
    escalate_after_seconds: int | None
    escalation_channel_ids: list[int] | None
    depends_on: int | None
    heartbeat_url: str | None = Field(default=None, description="heartbeat monitors: where to ping (GET or POST; "
                                      "add /fail to report a failure)")
    uptime_24h: float | None = Field(default=None, description="uptime % of the last 24 hours (to the hour), as "
                                     "/uptime counts it; null when no check covered them")
    uptime_30d: float | None = Field(default=None, description="uptime % of the last 30 days (to the day)")
    badges: BadgeUrls = Field(description="SVG badges to embed (a README, a wiki): status, uptime, response time")


class MonitorPage(BaseModel):
    items: list[MonitorOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


SUMMARY_LIMIT = 10_000


class MonitorSummary(BaseModel):
    """A monitor as the dashboard's list shows it: what it is and how it is doing, without its settings."""

    id: int
    name: str
    type: str
    url: str
    paused: bool
    status: Shown
    status_since: datetime | None
    last_latency_ms: int | None
    last_checked_at: datetime | None
    last_error: str | None
    recent_latencies_ms: list[int] = Field(description="the last 10 response times, oldest first")
    uptime_24h: float | None
    managed_by: str | None


class MonitorSummaryPage(BaseModel):
    items: list[MonitorSummary]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class TickPhases(BaseModel):
    """Where the check's time went, in ms; null for a phase that did not happen (no DNS lookup for an IP
    address, no TLS for http://). DNS, connect and TLS add up over redirect hops; ttfb and total run from
    the start of the check."""

    dns_ms: int | None
    connect_ms: int | None
    tls_ms: int | None
    ttfb_ms: int | None
    total_ms: int | None


class TickOut(BaseModel):
    region: str
    status: Literal["up", "down"]
    http_status: int | None
    latency_ms: int | None
    error: str | None
    scheduled_at: datetime
    checked_at: datetime
    phases: TickPhases
    assertions: list[AssertionResult] | None = Field(description="each assertion and whether it held; "
                                                     "null when none were evaluated")
    maintenance: bool = Field(default=False, description="scheduled inside a maintenance window: it counts as "
                              "maintenance time, neither up nor down")


class TickPage(BaseModel):
    items: list[TickOut]
    next_cursor: str | None


class RegionsOut(BaseModel):
    regions: list[str]


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(exclude_unset=True)
