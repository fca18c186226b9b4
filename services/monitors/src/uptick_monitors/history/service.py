"""Uptime, latency percentiles, daily bars and the SLA report for one organization, from the rollups.

A range is served from the coarsest resolution that still fits it: minute rollups for up to two days within
the last two (they are kept at least three), hour rollups up to 35 days, day rollups beyond. Its start is
aligned down and its end up to that resolution (never past now), and the answer says which it used.

Time is counted as the checks say: each check counts its monitor's interval as up or down (or maintenance),
and whatever no check covered is unknown, never up. The SLA report's downtime and incidents are the
monitor's incidents (from the first failing check until resolved; confirmed by its quorum of regions), its
uptime the checks'.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger

from uptick_common.db.rollups import histogram_sum
from uptick_common.history import DAY, HISTOGRAM_SIZE, HOUR, MINUTE, Resolution, percentile
from uptick_monitors.history.schemas import (
    DailyOut,
    DayOut,
    Figures,
    Latency,
    SeriesOut,
    SeriesPoint,
    SlaOut,
    UptimeOut,
)

MAX_SPAN = timedelta(days=5 * 366 + 1)
MINUTE_WINDOW = timedelta(days=2)
HOUR_SPAN = timedelta(days=35)
MAX_DAYS = 5 * 366
SLA_DEFAULT = timedelta(days=30)


class NotFound(Exception):
    pass


class InvalidRange(Exception):
    pass


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    resolution: Resolution


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period(start: datetime | None, end: datetime | None, *, now: datetime,
           default: timedelta = timedelta(hours=24)) -> Period:
    """The range asked for (`from`, `to`; naive times are UTC), checked and aligned to its resolution."""
    try:
        end = min(_utc(end), now) if end is not None else now
        start = _utc(start) if start is not None else end - default
    except (OverflowError, ValueError) as exc:
        raise InvalidRange("from and to must be real times") from exc
    if start >= end:
        raise InvalidRange("from must be before to, and before now")
    if end - start > MAX_SPAN:
        raise InvalidRange("a range is at most 5 years")
    if end - start <= MINUTE_WINDOW and start >= now - MINUTE_WINDOW:
        resolution = MINUTE
    else:
        resolution = HOUR if end - start <= HOUR_SPAN else DAY
    aligned_end = resolution.floor(end)
    if aligned_end < end:
        aligned_end = min(aligned_end + timedelta(seconds=resolution.seconds), now)
    return Period(resolution.floor(start), aligned_end, resolution)


@dataclass
class Totals:
    """Sums of rollup rows."""

    checks: int = 0
    up_checks: int = 0
    down_checks: int = 0
    up_seconds: int = 0
    down_seconds: int = 0
    maintenance_seconds: int = 0
    latency_count: int = 0
    latency_min: int | None = None
    latency_max: int | None = None
    latency_sum: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_SIZE)

    def add(self, other: Totals) -> None:
        for name in ("checks", "up_checks", "down_checks", "up_seconds", "down_seconds", "maintenance_seconds",
                     "latency_count", "latency_sum"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        lows = [v for v in (self.latency_min, other.latency_min) if v is not None]
        highs = [v for v in (self.latency_max, other.latency_max) if v is not None]
        self.latency_min, self.latency_max = min(lows, default=None), max(highs, default=None)
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram, strict=True)]

    def uptime(self) -> float | None:
        known = self.up_seconds + self.down_seconds
        return round(100 * self.up_seconds / known, 4) if known else None

    def figures(self, elapsed_seconds: float) -> Figures:
        low, high = self.latency_min, self.latency_max
        at = (lambda q: percentile(self.histogram, q, low, high)) if low is not None and high is not None \
            else (lambda q: None)
        unknown = elapsed_seconds - self.up_seconds - self.down_seconds - self.maintenance_seconds
        return Figures(
            checks=self.checks, up_checks=self.up_checks, down_checks=self.down_checks, uptime_percent=self.uptime(),
            up_seconds=self.up_seconds, down_seconds=self.down_seconds, unknown_seconds=max(0, round(unknown)),
            maintenance_seconds=self.maintenance_seconds,
            latency_ms=Latency(min=low, max=high, p50=at(0.5), p95=at(0.95), p99=at(0.99),
                               avg=round(self.latency_sum / self.latency_count, 1) if self.latency_count else None),
        )


_SUMS = ("sum(checks), sum(up_checks), sum(down_checks), sum(up_seconds), sum(down_seconds), "
         "sum(maintenance_seconds), sum(latency_count), min(latency_min), max(latency_max), sum(latency_sum), "
         + histogram_sum())


def _totals(row: Sequence[Any]) -> Totals:
    checks, up, down, up_s, down_s, maintenance_s, latencies = (int(v) for v in row[:7])
    return Totals(checks, up, down, up_s, down_s, maintenance_s, latencies, latency_min=row[7], latency_max=row[8],
                  latency_sum=int(row[9]), histogram=list(row[10]))


async def _owned(session: AsyncSession, org_id: int, monitor_id: int) -> tuple[list[str], datetime]:
    row = (await session.execute(text("SELECT regions, created_at FROM monitors WHERE id = :m AND org_id = :o"),
                                 {"m": monitor_id, "o": org_id})).first()
    if row is None:
        raise NotFound
    return list(row[0]), row[1]


def _elapsed(start: datetime, end: datetime, created_at: datetime) -> float:
    return max(0.0, (end - max(start, created_at)).total_seconds())


async def uptime(*, session: AsyncSession, org_id: int, monitor_id: int, span: Period) -> UptimeOut:
    regions, created_at = await _owned(session, org_id, monitor_id)
    rows = (await session.execute(text(
        f"SELECT region, {_SUMS} FROM {span.resolution.table}"  # noqa: S608 - our names
        " WHERE monitor_id = :m AND bucket >= :start AND bucket < :end GROUP BY region"),
        {"m": monitor_id, "start": span.start, "end": span.end})).all()
    by_region = {row[0]: _totals(row[1:]) for row in rows}
    elapsed = _elapsed(span.start, span.end, created_at)
    overall = Totals()
    answer: dict[str, Figures] = {}
    for region in dict.fromkeys([*regions, *sorted(by_region)]):
        totals = by_region.get(region, Totals())
        overall.add(totals)
        answer[region] = totals.figures(elapsed)
    return UptimeOut.model_validate({
        **overall.figures(elapsed * len(answer)).model_dump(), "monitor_id": monitor_id, "from": span.start,
        "to": span.end, "resolution": span.resolution.name, "regions": answer,
    })


async def series(*, session: AsyncSession, org_id: int, monitor_id: int, span: Period,
                 region: str | None) -> SeriesOut:
    """One point per bucket and region (the chart of the monitor's page)."""
    await _owned(session, org_id, monitor_id)
    rows = (await session.execute(text(
        "SELECT region, bucket, checks, down_checks, latency_count, latency_sum, latency_min, latency_max,"  # noqa: S608
        f" latency_histogram FROM {span.resolution.table}"  # our names
        " WHERE monitor_id = :m AND bucket >= :start AND bucket < :end AND (CAST(:r AS text) IS NULL OR region = :r)"
        " ORDER BY region, bucket"),
        {"m": monitor_id, "start": span.start, "end": span.end, "r": region})).all()
    regions: dict[str, list[SeriesPoint]] = {}
    for name, bucket, checks, down, count, total, low, high, histogram in rows:
        regions.setdefault(name, []).append(SeriesPoint(
            t=bucket, checks=checks, down_checks=down, avg_ms=round(total / count, 1) if count else None,
            p95_ms=percentile(histogram, 0.95, low, high) if count else None, max_ms=high))
    return SeriesOut.model_validate({"monitor_id": monitor_id, "from": span.start, "to": span.end,
                                     "resolution": span.resolution.name, "regions": regions})


async def daily(*, session: AsyncSession, org_id: int, monitor_id: int, days: int, now: datetime) -> DailyOut:
    regions, created_at = await _owned(session, org_id, monitor_id)
    first = now.date() - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), UTC)
    rows = (await session.execute(text(
        f"SELECT bucket, {_SUMS} FROM rollups_day WHERE monitor_id = :m AND bucket >= :start GROUP BY bucket"),  # noqa: S608
        {"m": monitor_id, "start": start})).all()
    by_day = {row[0].astimezone(UTC).date(): _totals(row[1:]) for row in rows}
    items = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        begins = datetime.combine(day, datetime.min.time(), UTC)
        totals = by_day.get(day, Totals())
        shown = totals.figures(_elapsed(begins, min(begins + timedelta(days=1), now), created_at) * len(regions))
        items.append(DayOut(date=day, **shown.model_dump(include={
            "checks", "down_checks", "uptime_percent", "up_seconds", "down_seconds", "unknown_seconds",
            "maintenance_seconds"})))
    return DailyOut(monitor_id=monitor_id, items=items)


# ---------- the SLA report ----------

_IDS = bindparam("ids", type_=ARRAY(BigInteger))


@dataclass
class Outages:
    """A monitor's incidents within a period."""

    count: int = 0
    down_seconds: float = 0.0
    repaired: list[float] = field(default_factory=list)  # durations of the incidents resolved
    longest: float | None = None

    def add(self, started: datetime, ended: datetime | None, span: Period, now: datetime) -> None:
        until = ended or now
        self.count += 1
        self.down_seconds += max(0.0, (min(until, span.end) - max(started, span.start)).total_seconds())
        if ended is not None:
            self.repaired.append((ended - started).total_seconds())
        self.longest = max(self.longest or 0.0, (until - started).total_seconds())

    def merge(self, other: Outages) -> None:
        self.count += other.count
        self.down_seconds += other.down_seconds
        self.repaired += other.repaired
        if other.longest is not None:
            self.longest = max(self.longest or 0.0, other.longest)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


def _sla_figures(totals: Totals, outages: Outages, possible: float, maintenance: float) -> dict[str, Any]:
    """`possible`: region-seconds the checks could have covered; `maintenance`: the monitor's seconds in it."""
    covered = totals.up_seconds + totals.down_seconds + totals.maintenance_seconds
    return {
        "uptime_percent": totals.uptime(), "downtime_minutes": _minutes(outages.down_seconds),
        "maintenance_minutes": _minutes(maintenance),
        "unknown_percent": round(100 * max(0.0, possible - covered) / possible, 4) if possible else None,
        "incidents": outages.count,
        "mttr_minutes": _minutes(sum(outages.repaired) / len(outages.repaired)) if outages.repaired else None,
        "longest_outage_minutes": _minutes(outages.longest),
    }


async def sla(*, session: AsyncSession, org_id: int, span: Period, now: datetime) -> SlaOut:
    monitors = (await session.execute(text(
        "SELECT id, name, regions, created_at FROM monitors WHERE org_id = :o ORDER BY id"), {"o": org_id})).all()
    ids = [m[0] for m in monitors]
    rows = (await session.execute(text(
        f"SELECT monitor_id, {_SUMS} FROM {span.resolution.table}"  # noqa: S608 - our names
        " WHERE monitor_id = ANY(:ids) AND bucket >= :start AND bucket < :end GROUP BY monitor_id"
    ).bindparams(_IDS), {"ids": ids, "start": span.start, "end": span.end})).all()
    totals = {row[0]: _totals(row[1:]) for row in rows}
    outages: dict[int, Outages] = {}
    for monitor_id, started, ended in (await session.execute(text(
            "SELECT monitor_id, started_at, resolved_at FROM incidents WHERE monitor_id = ANY(:ids)"
            " AND started_at < :end AND (resolved_at IS NULL OR resolved_at > :start)").bindparams(_IDS),
            {"ids": ids, "start": span.start, "end": span.end})).all():
        outages.setdefault(monitor_id, Outages()).add(started, ended, span, now)
    organization_totals, organization_outages = Totals(), Outages()
    organization_possible = organization_maintenance = 0.0
    items = []
    for monitor_id, name, regions, created_at in monitors:
        mine, down = totals.get(monitor_id, Totals()), outages.get(monitor_id, Outages())
        possible = _elapsed(span.start, span.end, created_at) * len(regions)
        maintenance = mine.maintenance_seconds / len(regions) if regions else 0.0
        items.append({"monitor_id": monitor_id, "name": name, **_sla_figures(mine, down, possible, maintenance)})
        organization_totals.add(mine)
        organization_outages.merge(down)
        organization_possible += possible
        organization_maintenance += maintenance
    organization = {"monitors": len(items), **_sla_figures(organization_totals, organization_outages,
                                                           organization_possible, organization_maintenance)}
    return SlaOut.model_validate({"from": span.start, "to": span.end, "resolution": span.resolution.name,
                                  "organization": organization, "monitors": items})


SLA_COLUMNS = ("monitor_id", "name", "uptime_percent", "downtime_minutes", "maintenance_minutes", "unknown_percent",
               "incidents", "mttr_minutes", "longest_outage_minutes")


def sla_csv(report: SlaOut) -> str:
    """One row per monitor, then the organization's; a name that a spreadsheet would run as a formula is quoted
    with a leading apostrophe (OWASP's CSV injection advice)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["from", "to", *SLA_COLUMNS])
    period_cells = [report.from_.isoformat(), report.to.isoformat()]
    for item in report.monitors:
        row = item.model_dump()
        if row["name"][:1] in ("=", "+", "-", "@", "\t", "\r"):
            row["name"] = "'" + row["name"]
        writer.writerow([*period_cells, *("" if row[c] is None else row[c] for c in SLA_COLUMNS)])
    organization = report.organization.model_dump()
    writer.writerow([*period_cells, "", "(organization)",
                     *("" if organization[c] is None else organization[c] for c in SLA_COLUMNS[2:])])
    return out.getvalue()


# ---------- the list's uptime ----------

_LIST_UPTIME = text(
    "SELECT 'h', monitor_id, sum(up_seconds), sum(down_seconds) FROM rollups_hour"
    " WHERE monitor_id = ANY(:ids) AND bucket >= :hour GROUP BY monitor_id"
    " UNION ALL"
    " SELECT 'd', monitor_id, sum(up_seconds), sum(down_seconds) FROM rollups_day"
    " WHERE monitor_id = ANY(:ids) AND bucket >= :day GROUP BY monitor_id"
).bindparams(_IDS)


async def list_uptimes(*, session: AsyncSession, ids: list[int], now: datetime) -> dict[int, dict[str, float]]:
    """`uptime_24h` (hour rollups since this hour a day ago) and `uptime_30d` (day rollups since this day 30
    days ago) of each monitor that has any; one round trip for a page."""
    if not ids:
        return {}
    since_hour = HOUR.floor(now - timedelta(hours=24))
    since_day = datetime.combine(now.date() - timedelta(days=30), datetime.min.time(), UTC)
    found: dict[int, dict[str, float]] = {}
    for kind, monitor_id, up, down in (await session.execute(
            _LIST_UPTIME, {"ids": ids, "hour": since_hour, "day": since_day})).all():
        if up + down:
            found.setdefault(monitor_id, {})["uptime_24h" if kind == "h" else "uptime_30d"] = \
                round(100 * up / (up + down), 4)
    return found
