"""The incidents API. Thin: parse, call the service layer, map its errors to HTTP answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from uptick_common.access import Editor, Viewer
from uptick_common.api import DbSession, id_cursor
from uptick_monitors.incidents import service
from uptick_monitors.incidents.schemas import IncidentDetail, IncidentEventOut, IncidentPage, IncidentStatus, NoteIn

router = APIRouter(prefix="/api/incidents", tags=["incidents"])
Limit = Annotated[int, Query(ge=1, le=500)]
NOT_FOUND = "incident not found"


@router.get("", response_model=IncidentPage)
async def list_incidents(session: DbSession, actor: Viewer, limit: Limit = 100, cursor: str | None = None,
                         monitor_id: int | None = None, status_: Annotated[IncidentStatus | None,
                                                                         Query(alias="status")] = None,
                         from_: Annotated[datetime | None, Query(alias="from")] = None,
                         to: datetime | None = None) -> IncidentPage:
    """Newest first; `from`/`to` select the incidents open at some moment in between."""
    items, last = await service.list_page(session=session, org_id=actor.org_id, limit=limit,
                                          before_id=id_cursor(cursor), monitor_id=monitor_id,
                                          status=status_, since=from_, until=to)
    return IncidentPage(items=items, next_cursor=None if last is None else str(last))


@router.get("/{incident_id}", response_model=IncidentDetail)
async def read_incident(session: DbSession, actor: Viewer, incident_id: int) -> IncidentDetail:
    try:
        return await service.get(session=session, org_id=actor.org_id, incident_id=incident_id)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from exc


@router.post("/{incident_id}/ack", response_model=IncidentDetail)
async def acknowledge(session: DbSession, actor: Editor, incident_id: int) -> IncidentDetail:
    try:
        return await service.acknowledge(session=session, actor=actor, incident_id=incident_id)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from exc
    except service.Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


@router.post("/{incident_id}/notes", response_model=IncidentEventOut, status_code=status.HTTP_201_CREATED)
async def add_note(session: DbSession, actor: Editor, incident_id: int, body: NoteIn) -> IncidentEventOut:
    try:
        return await service.add_note(session=session, actor=actor, incident_id=incident_id, body=body.body)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from exc
