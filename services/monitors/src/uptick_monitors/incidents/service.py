"""Incidents of one organization. Ingest opens and resolves them; people acknowledge and add notes here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_common.access import Actor
from uptick_common.db.models import Incident, IncidentEvent, Monitor
from uptick_monitors.incidents.schemas import IncidentDetail, IncidentEventOut, IncidentOut


class NotFound(Exception):
    pass


class Conflict(Exception):
    pass


def _out(incident: Incident, monitor_name: str, now: datetime) -> dict[str, Any]:
    end = incident.resolved_at or now
    return dict(
        id=incident.id, monitor_id=incident.monitor_id, monitor_name=monitor_name, status=incident.status,
        started_at=incident.started_at, opened_at=incident.opened_at, cause=incident.cause,
        regions=list(incident.regions), acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by, resolved_at=incident.resolved_at,
        duration_seconds=max(0, int((end - incident.started_at).total_seconds())), flapping=incident.flapping,
        reopened=incident.reopened, parent_incident_id=incident.parent_incident_id,
    )


async def list_page(*, session: AsyncSession, org_id: int | None, limit: int, before_id: int | None,
                    monitor_id: int | None, status: str | None, since: datetime | None,
                    until: datetime | None) -> tuple[list[IncidentOut], int | None]:
    """Newest first; `since`/`until` select incidents that were open at some time in between."""
    query = (select(Incident, Monitor.name).join(Monitor, Monitor.id == Incident.monitor_id)
             .where(Incident.org_id == org_id).order_by(Incident.id.desc()).limit(limit + 1))
    if before_id is not None:
        query = query.where(Incident.id < before_id)
    if monitor_id is not None:
        query = query.where(Incident.monitor_id == monitor_id)
    if status is not None:
        query = query.where(Incident.status == status)
    if since is not None:
        query = query.where((Incident.resolved_at.is_(None)) | (Incident.resolved_at >= since))
    if until is not None:
        query = query.where(Incident.started_at <= until)
    rows = (await session.execute(query)).all()
    now = datetime.now(UTC)
    items = [IncidentOut(**_out(incident, name, now)) for incident, name in rows[:limit]]
    return items, items[-1].id if len(rows) > limit else None


async def _one(session: AsyncSession, org_id: int | None, incident_id: int) -> tuple[Incident, str]:
    row = (await session.execute(select(Incident, Monitor.name).join(Monitor, Monitor.id == Incident.monitor_id)
                                 .where(Incident.id == incident_id, Incident.org_id == org_id))).first()
    if row is None:
        raise NotFound
    return row[0], row[1]


async def get(*, session: AsyncSession, org_id: int | None, incident_id: int) -> IncidentDetail:
    incident, name = await _one(session, org_id, incident_id)
    events = (await session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
                                    .order_by(IncidentEvent.id))).all()
    return IncidentDetail(**_out(incident, name, datetime.now(UTC)), events=[
        IncidentEventOut(id=e.id, at=e.at, kind=e.kind, user_id=e.user_id, body=e.body) for e in events])


async def acknowledge(*, session: AsyncSession, actor: Actor, incident_id: int) -> IncidentDetail:
    """Once: acknowledging an acknowledged incident changes nothing; a resolved one cannot be."""
    incident, _ = await _one(session, actor.org_id, incident_id)
    if incident.status == "resolved":
        raise Conflict("the incident is resolved")
    await _acknowledge(session, incident_id, actor.user_id, None)
    return await get(session=session, org_id=actor.org_id, incident_id=incident_id)


async def acknowledge_by_link(*, session: AsyncSession, token: str) -> str:
    """The incident whose acknowledge link this is, acknowledged; the link works once (NotFound after)."""
    row = (await session.execute(select(Incident.id, Monitor.name).join(Monitor, Monitor.id == Incident.monitor_id)
                                 .where(Incident.ack_token == token))).first()
    if row is None:
        raise NotFound
    await _acknowledge(session, row.id, None, "through the link in a notification")
    return row.name


async def _acknowledge(session: AsyncSession, incident_id: int, user_id: int | None, how: str | None) -> None:
    changed = await session.execute(
        update(Incident).where(Incident.id == incident_id, Incident.acknowledged_at.is_(None))
        .values(acknowledged_at=func.now(), acknowledged_by=user_id, ack_token=None,
                status=case((Incident.status == "open", "acknowledged"), else_=Incident.status)))
    if changed.rowcount:  # type: ignore[attr-defined]
        session.add(IncidentEvent(incident_id=incident_id, kind="acknowledged", user_id=user_id, body=how))
    await session.commit()


async def add_note(*, session: AsyncSession, actor: Actor, incident_id: int, body: str) -> IncidentEventOut:
    await _one(session, actor.org_id, incident_id)
    event = IncidentEvent(incident_id=incident_id, kind="note", user_id=actor.user_id, body=body)
    session.add(event)
    await session.commit()
    await session.refresh(event)
    return IncidentEventOut(id=event.id, at=event.at, kind="note", user_id=event.user_id, body=event.body)
