"""What the maintenance API takes and gives. A window's definition is checked as a whole (here, and again
merged with the stored one on a change): a bad cron expression, an unknown time zone, an end before its start,
a duration out of bounds are 422s that say which field and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from uptick_common.maintenance import MAX_DURATION, MAX_ONCE, WEEKDAYS, Kind, check_cron, weekly_cron, zone

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MonitorIds = Annotated[list[Annotated[int, Field(ge=1, le=2**63 - 1)]], Field(max_length=1000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Cron = Annotated[str, Field(min_length=1, max_length=200, description="five fields: minute hour day-of-month "
                                                                      "month day-of-week, in `timezone`")]
Time = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, in `timezone`")]
Duration = Annotated[int, Field(ge=1, le=int(MAX_DURATION.total_seconds() // 60))]
Zone = Annotated[str, Field(min_length=1, max_length=64, description="an IANA time zone, e.g. Europe/Berlin")]

# The fields each kind takes; the others must be left out.
KIND_FIELDS: dict[str, frozenset[str]] = {
    "once": frozenset({"starts_at", "ends_at"}),
    "cron": frozenset({"cron", "duration_minutes"}),
    "weekly": frozenset({"days", "time", "duration_minutes"}),
}
SCHEDULE_FIELDS = frozenset().union(*KIND_FIELDS.values())


class WindowDefinition(BaseModel):
    """A window: which monitors (`monitor_ids`, or `all_monitors` of the organization, those added later too)
    and when: `once` from `starts_at` to `ends_at`; `cron` whenever `cron` fires, for `duration_minutes`;
    `weekly` on `days` at `time`, for `duration_minutes`; both in `timezone`. `notify`: the monitors'
    channels (else the organization's defaults) are told when each occurrence starts and ends."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    monitor_ids: MonitorIds = []
    all_monitors: bool = False
    kind: Kind
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    cron: Cron | None = None
    days: list[Weekday] | None = Field(default=None, min_length=1, max_length=7)
    time: Time | None = None
    duration_minutes: Duration | None = None
    timezone: Zone = "UTC"
    notify: bool = False

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> WindowDefinition:
        if not self.monitor_ids and not self.all_monitors:
            raise ValueError("name the monitors (monitor_ids) or set all_monitors")
        if self.monitor_ids and self.all_monitors:
            raise ValueError("monitor_ids must be empty when all_monitors is true")
        zone(self.timezone)
        needed = KIND_FIELDS[self.kind]
        given = {f for f in SCHEDULE_FIELDS if getattr(self, f) is not None}
        if missing := sorted(needed - given):
            raise ValueError(f"a {self.kind} window needs {', '.join(missing)}")
        if extra := sorted(given - needed):
            raise ValueError(f"a {self.kind} window takes no {', '.join(extra)}")
        now = datetime.now(UTC)
        if self.kind == "once":
            assert self.starts_at is not None and self.ends_at is not None
            if self.ends_at <= self.starts_at:
                raise ValueError("ends_at must be after starts_at")
            if self.ends_at - self.starts_at > MAX_ONCE:
                raise ValueError(f"a one-off window lasts at most {MAX_ONCE.days} days")
            if self.ends_at <= now and not (info.context or {}).get("times_kept"):
                raise ValueError("ends_at is in the past")
        else:
            assert self.duration_minutes is not None
            check_cron(self.schedule_cron(), self.timezone, timedelta(minutes=self.duration_minutes), now)
        if self.days is not None:
            self.days = sorted(set(self.days), key=WEEKDAYS.index)
        return self

    def schedule_cron(self) -> str:
        if self.kind == "weekly":
            assert self.days is not None and self.time is not None
            return weekly_cron(self.days, self.time)
        assert self.cron is not None
        return self.cron


class WindowUpdate(BaseModel):
    """Any fields of a window; the result is checked as a whole. Changing `kind` drops the fields of the old
    kind that the new one does not take."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    monitor_ids: MonitorIds | None = None
    all_monitors: bool | None = None
    kind: Kind | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    cron: Cron | None = None
    days: list[Weekday] | None = Field(default=None, min_length=1, max_length=7)
    time: Time | None = None
    duration_minutes: Duration | None = None
    timezone: Zone | None = None
    notify: bool | None = None


class OccurrenceOut(BaseModel):
    starts_at: datetime
    ends_at: datetime


class WindowOut(BaseModel):
    id: int
    name: str
    monitor_ids: list[int]
    all_monitors: bool
    kind: Kind
    starts_at: datetime | None
    ends_at: datetime | None
    cron: str | None = Field(description="a weekly window's too, made from its days and time")
    days: list[Weekday] | None
    time: str | None
    duration_minutes: int | None
    timezone: str
    notify: bool
    created_at: datetime
    updated_at: datetime
    active: bool = Field(description="on now")
    current: OccurrenceOut | None = Field(description="the occurrence on now")
    next: OccurrenceOut | None = Field(description="the next occurrence to start (null: none will)")


class WindowPage(BaseModel):
    items: list[WindowOut]
    next_cursor: str | None


class OccurrencePage(BaseModel):
    items: list[OccurrenceOut]
    next_cursor: str | None = Field(description="the `cursor` of the next page")
