"""Maintenance windows of one organization. Raises domain errors; the router maps them to HTTP answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Update, any_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_common import audit
from uptick_common.access import Member
from uptick_common.db.models import MaintenanceWindow, Monitor
from uptick_common.maintenance import Occurrence, Schedule
from uptick_monitors.maintenance.schemas import (
    KIND_FIELDS,
    SCHEDULE_FIELDS,
    OccurrenceOut,
    WindowDefinition,
    WindowOut,
    WindowUpdate,
)

MAX_OCCURRENCE_SPAN = timedelta(days=366)


class NotFound(Exception):
    pass


class Invalid(Exception):
    def __init__(self, msg: str, loc: tuple[str | int, ...] = ("body",)) -> None:
        super().__init__(msg)
        self.loc = loc


def schedule(window: MaintenanceWindow) -> Schedule:
    """When the stored window is on (uptick_common.maintenance)."""
    duration = None if window.duration_seconds is None else timedelta(seconds=window.duration_seconds)
    return Schedule(window.kind, window.starts_at, window.ends_at, window.cron, duration,  # type: ignore[arg-type]
                    window.timezone)


def _occurrence(found: Occurrence | None) -> OccurrenceOut | None:
    return None if found is None else OccurrenceOut(starts_at=found.starts_at, ends_at=found.ends_at)


def _out(window: MaintenanceWindow, now: datetime) -> WindowOut:
    when = schedule(window)
    current = when.at(now)
    return WindowOut(
        id=window.id, name=window.name, monitor_ids=list(window.monitor_ids), all_monitors=window.all_monitors,
        kind=window.kind, starts_at=window.starts_at, ends_at=window.ends_at, cron=window.cron,
        days=window.weekdays, time=window.at_time,
        duration_minutes=None if window.duration_seconds is None else window.duration_seconds // 60,
        timezone=window.timezone, notify=window.notify, created_at=window.created_at, updated_at=window.updated_at,
        active=current is not None, current=_occurrence(current), next=_occurrence(when.next_after(now)))


def _definition(window: MaintenanceWindow) -> dict[str, Any]:
    """The stored window in WindowDefinition's fields."""
    return {"name": window.name, "monitor_ids": list(window.monitor_ids), "all_monitors": window.all_monitors,
            "kind": window.kind, "starts_at": window.starts_at, "ends_at": window.ends_at,
            "cron": window.cron if window.kind == "cron" else None, "days": window.weekdays, "time": window.at_time,
            "duration_minutes": None if window.duration_seconds is None else window.duration_seconds // 60,
            "timezone": window.timezone, "notify": window.notify}


def _validated(values: dict[str, Any], *, times_kept: bool) -> WindowDefinition:
    """`times_kept`: a change that leaves a one-off window's times as they are (renaming one that has ended)."""
    try:
        return WindowDefinition.model_validate(values, context={"times_kept": times_kept})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid(first["msg"].removeprefix("Value error, "), ("body", *first["loc"])) from None


async def _check_monitors(session: AsyncSession, org_id: int, ids: list[int]) -> list[int]:
    """Monitors of this organization only (another's is as unknown as none)."""
    known = set((await session.scalars(select(Monitor.id).where(Monitor.org_id == org_id,
                                                                Monitor.id.in_(ids)))).all()) if ids else set()
    if unknown := [i for i in ids if i not in known]:
        raise Invalid(f"no monitor {', '.join(map(str, unknown))} in this organization", ("body", "monitor_ids"))
    return list(dict.fromkeys(ids))


async def _store(session: AsyncSession, window: MaintenanceWindow, data: WindowDefinition, org_id: int) -> None:
    monitor_ids = await _check_monitors(session, org_id, data.monitor_ids)  # before any change (autoflush)
    window.name, window.kind, window.timezone, window.notify = data.name, data.kind, data.timezone, data.notify
    window.monitor_ids = monitor_ids
    window.all_monitors = data.all_monitors
    window.starts_at, window.ends_at = data.starts_at, data.ends_at
    window.cron = None if data.kind == "once" else data.schedule_cron()
    window.weekdays, window.at_time = list(data.days) if data.days else None, data.time
    window.duration_seconds = None if data.duration_minutes is None else data.duration_minutes * 60
    window.updated_at = datetime.now(UTC)


async def _one(session: AsyncSession, org_id: int, window_id: int, *, lock: bool = False) -> MaintenanceWindow:
    query = select(MaintenanceWindow).where(MaintenanceWindow.id == window_id, MaintenanceWindow.org_id == org_id)
    window = await session.scalar(query.with_for_update() if lock else query)
    if window is None:
        raise NotFound
    return window


async def list_page(*, session: AsyncSession, org_id: int, limit: int, after_id: int | None,
                    monitor_id: int | None) -> tuple[list[WindowOut], int | None]:
    """In id order; with `monitor_id`, the windows that apply to it."""
    query = (select(MaintenanceWindow).where(MaintenanceWindow.org_id == org_id).order_by(MaintenanceWindow.id)
             .limit(limit + 1))
    if after_id is not None:
        query = query.where(MaintenanceWindow.id > after_id)
    if monitor_id is not None:
        query = query.where(or_(MaintenanceWindow.all_monitors, any_(MaintenanceWindow.monitor_ids) == monitor_id))
    found = list((await session.scalars(query)).all())
    now = datetime.now(UTC)
    return [_out(w, now) for w in found[:limit]], found[limit - 1].id if len(found) > limit else None


async def get(*, session: AsyncSession, org_id: int, window_id: int) -> WindowOut:
    return _out(await _one(session, org_id, window_id), datetime.now(UTC))


async def create(*, session: AsyncSession, actor: Member, data: WindowDefinition) -> WindowOut:
    window = MaintenanceWindow(org_id=actor.org_id)
    await _store(session, window, data, actor.org_id)
    session.add(window)
    await session.flush()
    audit.record(session, actor, "maintenance.created", "maintenance_window", window.id, name=data.name)
    await session.commit()
    return await get(session=session, org_id=actor.org_id, window_id=window.id)


async def update_window(*, session: AsyncSession, actor: Member, window_id: int, data: WindowUpdate) -> WindowOut:
    window = await _one(session, actor.org_id, window_id, lock=True)
    changes = data.model_dump(exclude_unset=True)
    if nulls := sorted(f for f in ("name", "monitor_ids", "all_monitors", "kind", "timezone", "notify")
                       if f in changes and changes[f] is None):
        raise Invalid(f"{nulls[0]} cannot be null", ("body", nulls[0]))
    merged = _definition(window)
    kind = changes.get("kind", window.kind)
    if kind != window.kind:  # the old kind's fields go, unless given again
        merged.update(dict.fromkeys(SCHEDULE_FIELDS - KIND_FIELDS[kind]))
    if changes.get("all_monitors") and "monitor_ids" not in changes:
        merged["monitor_ids"] = []
    if changes.get("monitor_ids") and "all_monitors" not in changes:
        merged["all_monitors"] = False
    merged.update(changes)
    times_kept = kind == window.kind and not changes.keys() & {"starts_at", "ends_at"}
    await _store(session, window, _validated(merged, times_kept=times_kept), actor.org_id)
    audit.record(session, actor, "maintenance.updated", "maintenance_window", window_id,
                 fields=sorted(data.model_fields_set))
    await session.commit()
    return await get(session=session, org_id=actor.org_id, window_id=window_id)


async def remove(*, session: AsyncSession, actor: Member, window_id: int) -> None:
    window = await _one(session, actor.org_id, window_id, lock=True)
    await session.delete(window)
    audit.record(session, actor, "maintenance.deleted", "maintenance_window", window_id, name=window.name)
    await session.commit()


async def occurrences(*, session: AsyncSession, org_id: int, window_id: int, start: datetime,
                      end: datetime | None, limit: int) -> tuple[list[OccurrenceOut], datetime | None]:
    """The occurrences that overlap [start, end) (at most a year on), in order; and the next page's start."""
    window = await _one(session, org_id, window_id)
    bound = start + MAX_OCCURRENCE_SPAN
    if end is not None:
        if end <= start:
            raise Invalid("to must be after from", ("query", "to"))
        bound = min(end, bound)
    found: list[OccurrenceOut] = []
    for occurrence in schedule(window).occurrences(start, bound):
        if len(found) == limit:
            return found, occurrence.starts_at
        found.append(OccurrenceOut(starts_at=occurrence.starts_at, ends_at=occurrence.ends_at))
    return found, None


def forget_monitor(org_id: int, monitor_id: int) -> Update:
    """The statement that drops a deleted monitor from its organization's windows (in the deletion's
    transaction)."""
    return (update(MaintenanceWindow)
            .where(MaintenanceWindow.org_id == org_id, any_(MaintenanceWindow.monitor_ids) == monitor_id)
            .values(monitor_ids=func.array_remove(MaintenanceWindow.monitor_ids, monitor_id)))
