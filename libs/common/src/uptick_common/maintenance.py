"""Maintenance windows' occurrences: when a window is on, for the API, ingest, the notifier and status pages.

A one-off window is its own one occurrence. A recurring one starts whenever its cron expression fires in its
time zone (a weekly one is a cron expression made from its days and time) and lasts its duration in real time.
Daylight saving time is the cron library's (cronsim, the parser of Healthchecks): a start in the hour that is
skipped in spring happens when that hour ends (02:30 → 03:00), one in the hour that repeats in autumn happens
once, the first time. Occurrences of one window never overlap (the API refuses a duration longer than the gap
between two starts), so each is told, and counted, once.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal

from cronsim import CronSim, CronSimError

Kind = Literal["once", "cron", "weekly"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}
MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=7)
MAX_ONCE = timedelta(days=31)
# How many starts of a recurring window, and how far ahead, are looked at to check that occurrences never
# overlap: a cron pattern repeats within a year, and occurrences last at most MAX_DURATION, so the closest two
# starts are seen within a year (a yearly cron is two starts, not a thousand years of them).
OVERLAP_LOOKAHEAD = 1000
OVERLAP_HORIZON = timedelta(days=400)


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone `name`; ValueError if there is none of that name."""
    if name not in time_zones():
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin or UTC")
    return zoneinfo.ZoneInfo(name)


def weekly_cron(days: Sequence[str], at_time: str) -> str:
    """The cron expression of a weekly window: `at_time` (HH:MM) on `days` (mon … sun)."""
    hour, _, minute = at_time.partition(":")
    return f"{int(minute)} {int(hour)} * * {','.join(str(_CRON_DAYS[d]) for d in days)}"


@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime
    ends_at: datetime

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at


@dataclass(frozen=True)
class Schedule:
    """When a window is on. `cron`, `duration` and `timezone` for a recurring one (a weekly one's cron made from
    its days and time), `starts_at`/`ends_at` for a one-off one."""

    kind: Kind
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    cron: str | None = None
    duration: timedelta | None = None
    timezone: str = "UTC"

    def occurrences(self, start: datetime, end: datetime) -> Iterator[Occurrence]:
        """The occurrences that overlap [start, end), in order."""
        if self.kind == "once":
            assert self.starts_at is not None and self.ends_at is not None
            if self.starts_at < end and self.ends_at > start:
                yield Occurrence(self.starts_at, self.ends_at)
            return
        assert self.cron is not None and self.duration is not None
        # A start just after start - duration is the earliest whose occurrence can still be on at start.
        since = (start - self.duration).astimezone(zone(self.timezone)) - timedelta(microseconds=1)
        for begins in CronSim(self.cron, since):
            if begins >= end:
                return
            occurrence = _lasting(begins, self.duration)
            if occurrence.ends_at > start:
                yield occurrence

    def at(self, moment: datetime) -> Occurrence | None:
        """The occurrence on at `moment`, if any."""
        return next(self.occurrences(moment, moment + timedelta(microseconds=1)), None)

    def next_after(self, moment: datetime) -> Occurrence | None:
        """The first occurrence that starts after `moment` (None: a one-off window that has started)."""
        if self.kind == "once":
            assert self.starts_at is not None and self.ends_at is not None
            return Occurrence(self.starts_at, self.ends_at) if self.starts_at > moment else None
        assert self.cron is not None and self.duration is not None
        begins = next(iter(CronSim(self.cron, moment.astimezone(zone(self.timezone)))), None)
        return None if begins is None else _lasting(begins, self.duration)


def _lasting(begins: datetime, duration: timedelta) -> Occurrence:
    """An occurrence of `duration` in real time (adding to a local time would add wall-clock time across DST)."""
    start = begins.astimezone(UTC)
    return Occurrence(start, start + duration)


def check_cron(expression: str, timezone: str, duration: timedelta, now: datetime) -> None:
    """ValueError (saying why) unless `expression` is a five-field cron expression that fires, and its occurrences
    of `duration` never overlap."""
    if len(expression.split()) != 5:
        raise ValueError("cron must have five fields: minute hour day-of-month month day-of-week")
    try:
        starts = iter(CronSim(expression, now.astimezone(zone(timezone))))
        previous = next(starts, None)
    except (CronSimError, ValueError) as exc:  # cronsim's messages name the field: "Bad day-of-month"
        raise ValueError(f"cron is not valid: {exc}") from None
    if previous is None:
        raise ValueError("cron never fires")
    horizon = previous + OVERLAP_HORIZON
    for _, begins in zip(range(OVERLAP_LOOKAHEAD), starts, strict=False):
        if begins > horizon:
            break
        if begins - previous < duration:
            gap = int((begins - previous).total_seconds() // 60)
            raise ValueError(f"duration_minutes must not exceed the time between two starts ({gap} minutes here)")
        previous = begins
