"""What a public status page shows, read from the database in a few queries when its snapshot is (re)built.

Only what is public: monitors' names, their states in words, daily uptime from the day rollups, incidents'
times (never their causes), the URL only where the page's owner chose to show it. No ids of monitors or
incidents, no error text, no organization's name unless it is the page's title.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger

from uptick_common.checks.targets import HEARTBEAT_TARGET
from uptick_common.db.models import MaintenanceWindow
from uptick_common.status import RegionResults
from uptick_monitors.maintenance.service import schedule

DAYS = 90
RECENT_INCIDENT_DAYS, RECENT_INCIDENTS = 30, 20
UPCOMING_DAYS = 7  # maintenance shown this long before it starts
PARTIAL_BELOW = 100.0  # a day under this uptime is partial, under DOWN_BELOW down
DOWN_BELOW = 99.0

# A monitor's state as the page says it: the word is what a reader sees, colour only repeats it.
STATES = {
    "up": "Operational", "degraded": "Degraded", "down": "Down", "maintenance": "Maintenance",
    "paused": "Paused", "pending": "No data yet",
}
OVERALL = {
    "operational": "All systems operational", "degraded": "Degraded performance",
    "partial_outage": "Partial outage", "major_outage": "Major outage", "maintenance": "Under maintenance",
    "unknown": "No data yet",
}


@dataclass(frozen=True)
class Day:
    day: date
    up_seconds: int = 0
    down_seconds: int = 0
    maintenance_seconds: int = 0

    @property
    def uptime_percent(self) -> float | None:
        """None: no check covered the day (or only maintenance did)."""
        known = self.up_seconds + self.down_seconds
        return round(100 * self.up_seconds / known, 3) if known else None

    @property
    def level(self) -> str:
        """ok | partial | down | maintenance | none: the bar's colour, and the word beside it."""
        if self.uptime_percent is None:
            return "maintenance" if self.maintenance_seconds else "none"
        if self.uptime_percent < DOWN_BELOW:
            return "down"
        return "partial" if self.uptime_percent < PARTIAL_BELOW else "ok"


@dataclass(frozen=True)
class ShownMonitor:
    name: str
    url: str | None  # only if the page shows it
    state: str  # a key of STATES
    since: datetime | None
    days: list[Day]

    @property
    def state_text(self) -> str:
        return STATES.get(self.state, "Unknown")

    @property
    def uptime_percent(self) -> float | None:
        """Over the days shown, as the checks counted them."""
        up, down = sum(d.up_seconds for d in self.days), sum(d.down_seconds for d in self.days)
        return round(100 * up / (up + down), 3) if up + down else None


@dataclass(frozen=True)
class Group:
    name: str | None
    monitors: list[ShownMonitor]


@dataclass(frozen=True)
class ShownIncident:
    key: str  # stable and opaque (the Atom entry's id), not the incident's id
    monitor: str
    started_at: datetime
    resolved_at: datetime | None
    acknowledged: bool
    updated_at: datetime

    @property
    def duration(self) -> timedelta | None:
        return None if self.resolved_at is None else self.resolved_at - self.started_at


@dataclass(frozen=True)
class Maintenance:
    title: str
    starts_at: datetime
    ends_at: datetime
    monitors: list[str]


@dataclass
class PageContent:
    page_id: int
    slug: str
    title: str
    description: str | None
    updated_at: datetime
    as_of: datetime
    groups: list[Group] = field(default_factory=list)
    open_incidents: list[ShownIncident] = field(default_factory=list)
    past_incidents: list[ShownIncident] = field(default_factory=list)
    maintenance: list[Maintenance] = field(default_factory=list)

    @property
    def overall(self) -> str:
        states = [m.state for g in self.groups for m in g.monitors if m.state not in ("paused", "pending")]
        if not states:
            return "unknown"
        if "down" in states:
            return "major_outage" if all(s == "down" for s in states) else "partial_outage"
        if "degraded" in states:
            return "degraded"
        return "maintenance" if "maintenance" in states else "operational"

    @property
    def overall_text(self) -> str:
        return OVERALL[self.overall]


_IDS = bindparam("ids", type_=ARRAY(BigInteger))
_PAGE = text("SELECT id, slug, title, description, updated_at, org_id FROM status_pages WHERE id = :p")
_MONITORS = text(
    "SELECT m.id, m.name, m.url, m.paused, m.interval_seconds, m.regions, s.status, s.status_changed_at,"
    " s.regions::text, pm.group_name, pm.show_url"
    " FROM status_page_monitors pm JOIN monitors m ON m.id = pm.monitor_id"
    " LEFT JOIN monitor_status s ON s.monitor_id = m.id WHERE pm.page_id = :p ORDER BY pm.position")
_DAYS = text(
    "SELECT monitor_id, bucket, sum(up_seconds), sum(down_seconds), sum(maintenance_seconds) FROM rollups_day"
    " WHERE monitor_id = ANY(:ids) AND bucket >= :start GROUP BY monitor_id, bucket").bindparams(_IDS)
_INCIDENTS = text(
    "SELECT i.id, i.monitor_id, i.started_at, i.opened_at, i.resolved_at, i.acknowledged_at FROM incidents i"
    " WHERE i.monitor_id = ANY(:ids) AND (i.resolved_at IS NULL OR i.resolved_at > :since)"
    " ORDER BY i.started_at DESC, i.id DESC LIMIT :most").bindparams(_IDS)


def public_state(status: str | None, paused: bool, results: str | None, interval: int, regions: list[str],
           now: datetime) -> str:
    """A key of STATES: the stored status, `degraded` when some fresh region fails (fewer than the quorum)."""
    if paused:
        return "paused"
    if status is None:
        return "pending"
    if status == "up" and results:
        try:
            latest = RegionResults.validate_json(results)
        except ValidationError:  # not as ingest writes it: the page shows the stored status, never a 500
            latest = {}
        if any(r.down for region, r in latest.items() if region in regions and not r.is_stale(interval, now)):
            return "degraded"  # some region fails, fewer than the monitor's quorum
    return status if status in STATES else "pending"


async def _days(session: AsyncSession, ids: list[int], now: datetime) -> dict[int, dict[date, Day]]:
    first = now.date() - timedelta(days=DAYS - 1)
    start = datetime.combine(first, datetime.min.time(), UTC)
    found: dict[int, dict[date, Day]] = {}
    for monitor_id, bucket, up, down, maintenance in (await session.execute(
            _DAYS, {"ids": ids, "start": start})).all():
        day = bucket.astimezone(UTC).date()
        found.setdefault(monitor_id, {})[day] = Day(day, int(up), int(down), int(maintenance))
    return found


def incident_key(page_id: int, incident_id: int, started_at: datetime) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"uptick:status-page:{page_id}:incident:{incident_id}:"
                          f"{started_at.timestamp()}"))


async def maintenance_windows(session: AsyncSession, org_id: int, names: dict[int, str],
                              now: datetime) -> list[Maintenance]:
    """The maintenance on now, or starting within UPCOMING_DAYS, of any of the page's monitors (`names`: id →
    name), soonest first: the window's name, its occurrence, and the page's monitors it covers."""
    windows = (await session.scalars(select(MaintenanceWindow).where(
        MaintenanceWindow.org_id == org_id,
        MaintenanceWindow.all_monitors | MaintenanceWindow.monitor_ids.op("&&")(
            bindparam("page_ids", list(names), type_=ARRAY(BigInteger)))))).all()
    shown = []
    for window in windows:
        when = schedule(window)
        occurrence = when.at(now) or when.next_after(now)
        if occurrence is None or occurrence.starts_at > now + timedelta(days=UPCOMING_DAYS):
            continue
        covered = list(names.values()) if window.all_monitors else [
            name for monitor_id, name in names.items() if monitor_id in window.monitor_ids]
        shown.append(Maintenance(window.name, occurrence.starts_at, occurrence.ends_at, covered))
    return sorted(shown, key=lambda w: (w.starts_at, w.title))


async def read(session: AsyncSession, page_id: int, now: datetime) -> PageContent | None:
    page = (await session.execute(_PAGE, {"p": page_id})).first()
    if page is None:
        return None
    content = PageContent(page_id=page[0], slug=page[1], title=page[2], description=page[3], updated_at=page[4],
                          as_of=now)
    org_id = page[5]
    rows = (await session.execute(_MONITORS, {"p": page_id})).all()
    ids = [row[0] for row in rows]
    names = {row[0]: row[1] for row in rows}
    days = await _days(session, ids, now) if ids else {}
    first = now.date() - timedelta(days=DAYS - 1)
    for monitor_id, name, url, paused, interval, regions, status, since, results, group, show_url in rows:
        mine = days.get(monitor_id, {})
        shown = ShownMonitor(
            name=name, url=url if show_url and url != HEARTBEAT_TARGET else None,
            state=public_state(status, paused, results, interval, list(regions), now), since=since,
            days=[mine.get(d) or Day(d) for d in (first + timedelta(days=n) for n in range(DAYS))])
        if not content.groups or content.groups[-1].name != group:
            content.groups.append(Group(group, []))
        content.groups[-1].monitors.append(shown)
    if ids:
        await _incidents(session, content, ids, names, now)
        content.maintenance = await maintenance_windows(session, org_id, names, now)
    return content


async def _incidents(session: AsyncSession, content: PageContent, ids: list[int], names: dict[int, str],
                     now: datetime) -> None:
    rows = (await session.execute(_INCIDENTS, {"ids": ids, "since": now - timedelta(days=RECENT_INCIDENT_DAYS),
                                               "most": 100})).all()
    for incident_id, monitor_id, started, opened, resolved, acknowledged in rows:
        shown = ShownIncident(key=incident_key(content.page_id, incident_id, started), monitor=names[monitor_id],
                              started_at=started, resolved_at=resolved, acknowledged=acknowledged is not None,
                              updated_at=resolved or acknowledged or opened)
        if resolved is None:
            content.open_incidents.append(shown)
        elif len(content.past_incidents) < RECENT_INCIDENTS:
            content.past_incidents.append(shown)


def as_json(content: PageContent) -> dict[str, Any]:
    """The page for embedding (`/status/<slug>.json`)."""

    def incident(i: ShownIncident) -> dict[str, Any]:
        return {"id": i.key, "monitor": i.monitor, "started_at": i.started_at.isoformat(),
                "resolved_at": i.resolved_at.isoformat() if i.resolved_at else None,
                "status": "resolved" if i.resolved_at else "acknowledged" if i.acknowledged else "open",
                "duration_seconds": int(i.duration.total_seconds()) if i.duration else None}

    return {
        "page": {"slug": content.slug, "title": content.title, "description": content.description,
                 "url": f"/status/{content.slug}"},
        "as_of": content.as_of.isoformat(),
        "status": {"indicator": content.overall, "description": content.overall_text},
        "groups": [{"name": g.name, "monitors": [{
            "name": m.name, "url": m.url, "status": m.state, "status_text": m.state_text,
            "status_since": m.since.isoformat() if m.since else None, "uptime_90d": m.uptime_percent,
            "days": [{"date": d.day.isoformat(), "uptime_percent": d.uptime_percent, "level": d.level}
                     for d in m.days]} for m in g.monitors]} for g in content.groups],
        "incidents": {"open": [incident(i) for i in content.open_incidents],
                      "recent": [incident(i) for i in content.past_incidents]},
        "maintenance": [{"title": w.title, "starts_at": w.starts_at.isoformat(), "ends_at": w.ends_at.isoformat(),
                         "monitors": w.monitors} for w in content.maintenance],
    }
