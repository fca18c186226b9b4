"""Which monitors are in maintenance when, for ingest: every window in memory, so that a result costs a dict
look-up, not a query.

Every `refresh_seconds` one cheap query (how many windows, the latest change) tells whether the windows
changed; only then are they read again, and an unchanged window keeps the occurrences computed for it. Each
window's occurrences are computed (uptick_common.maintenance) for a day either side of the time asked about
and kept as epoch milliseconds, so a result is judged by a bisect; a result from further back (a backlog
after an outage) recomputes them around its own time. Windows for all of an organization's monitors need
the monitor's organization: learned once per monitor (it never changes).

A result is in maintenance when its scheduled time falls inside an occurrence of a window of its monitor:
its check was made during the work, whenever it arrives.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import BigInteger

from uptick_common.maintenance import Schedule

SPAN = timedelta(days=1)  # occurrences are kept for this long either side of the moment asked about
_VERSION = text("SELECT count(*), max(updated_at) FROM maintenance_windows")
_WINDOWS = text("""
    SELECT id, updated_at, org_id, monitor_ids, all_monitors, kind, starts_at, ends_at, cron, duration_seconds,
           timezone
    FROM maintenance_windows WHERE kind <> 'once' OR ends_at > now() - interval '2 days'
""")
_ORGS = text("SELECT id, org_id FROM monitors WHERE id = ANY(:ids)").bindparams(
    bindparam("ids", type_=ARRAY(BigInteger)))


@dataclass
class _Window:
    schedule: Schedule
    low_ms: int = 0  # [low_ms, high_ms): the span `starts`/`ends` were computed for
    high_ms: int = 0
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def covers(self, at_ms: int) -> bool:
        if not self.low_ms <= at_ms < self.high_ms:
            self._compute(at_ms)
        index = bisect.bisect_right(self.starts, at_ms) - 1
        return index >= 0 and at_ms < self.ends[index]

    def _compute(self, at_ms: int) -> None:
        at = datetime.fromtimestamp(at_ms / 1000, UTC)
        found = list(self.schedule.occurrences(at - SPAN, at + SPAN))
        self.starts = [_ms(o.starts_at) for o in found]
        self.ends = [_ms(o.ends_at) for o in found]
        self.low_ms, self.high_ms = _ms(at - SPAN), _ms(at + SPAN)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class Calendar:
    def __init__(self, refresh_seconds: float = 5.0) -> None:
        self.refresh_seconds = refresh_seconds
        self._next_refresh = 0.0
        self._version: tuple[Any, ...] | None = None
        self._by_monitor: dict[int, list[_Window]] = {}
        self._by_org: dict[int, list[_Window]] = {}  # windows of all an organization's monitors
        self._orgs: dict[int, int] = {}  # monitor → organization, as learned
        self._windows: dict[int, tuple[datetime, _Window]] = {}  # id → (updated_at, window): unchanged ones are kept

    async def refresh(self, conn: AsyncConnection, monitor_ids: Iterable[int]) -> None:
        """Read the windows again if they changed (looked at every `refresh_seconds`), and learn the
        organizations of `monitor_ids` if any window covers all of an organization's monitors."""
        if time.monotonic() >= self._next_refresh:
            self._next_refresh = time.monotonic() + self.refresh_seconds
            version = tuple((await conn.execute(_VERSION)).one())
            if version != self._version:
                await self._load(conn)
                self._version = version
        if self._by_org:
            unknown = {m for m in monitor_ids if m not in self._orgs}
            if unknown:
                for monitor_id, org_id in (await conn.execute(_ORGS, {"ids": sorted(unknown)})).all():
                    self._orgs[monitor_id] = org_id

    async def _load(self, conn: AsyncConnection) -> None:
        by_monitor: dict[int, list[_Window]] = {}
        by_org: dict[int, list[_Window]] = {}
        windows: dict[int, tuple[datetime, _Window]] = {}
        for row in (await conn.execute(_WINDOWS)).all():
            known = self._windows.get(row.id)
            if known is not None and known[0] == row.updated_at:  # its occurrences computed already stay
                window = known[1]
            else:
                duration = None if row.duration_seconds is None else timedelta(seconds=row.duration_seconds)
                window = _Window(Schedule(row.kind, row.starts_at, row.ends_at, row.cron, duration, row.timezone))
            windows[row.id] = (row.updated_at, window)
            if row.all_monitors:
                by_org.setdefault(row.org_id, []).append(window)
            for monitor_id in row.monitor_ids:
                by_monitor.setdefault(monitor_id, []).append(window)
        self._by_monitor, self._by_org, self._windows = by_monitor, by_org, windows

    def in_maintenance(self, monitor_id: int, at_ms: int) -> bool:
        """Whether a check of `monitor_id` scheduled at `at_ms` falls inside one of its windows."""
        windows = self._by_monitor.get(monitor_id)
        if windows is not None and any(w.covers(at_ms) for w in windows):
            return True
        if self._by_org:
            org_windows = self._by_org.get(self._orgs.get(monitor_id, 0))
            return org_windows is not None and any(w.covers(at_ms) for w in org_windows)
        return False
