"""The maintenance API. Thin: parse, call the service layer, map its errors to HTTP answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from uptick_common.access import Editor, Viewer
from uptick_common.api import DbSession, RowId, digits, id_cursor
from uptick_common.problems import InvalidInput
from uptick_monitors.maintenance import service
from uptick_monitors.maintenance.schemas import (
    OccurrencePage,
    WindowDefinition,
    WindowOut,
    WindowPage,
    WindowUpdate,
)

router = APIRouter(prefix="/api/maintenance", tags=["maintenance"])
Limit = Annotated[int, Query(ge=1, le=500)]
NOT_FOUND = "maintenance window not found"
MonitorFilter = Annotated[int | None, Query(ge=1, le=2**63 - 1, description="only the windows that apply to it")]


def _not_found(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)


def _invalid(exc: service.Invalid) -> InvalidInput:
    return InvalidInput(str(exc), exc.loc)


@router.get("", response_model=WindowPage)
async def list_windows(session: DbSession, actor: Viewer, limit: Limit = 100, cursor: str | None = None,
                       monitor_id: MonitorFilter = None) -> WindowPage:
    """The organization's windows in id order, each with whether it is on now, and its current and next
    occurrence."""
    items, last = await service.list_page(session=session, org_id=actor.org_id, limit=limit,
                                          after_id=id_cursor(cursor), monitor_id=monitor_id)
    return WindowPage(items=items, next_cursor=None if last is None else str(last))


@router.post("", response_model=WindowOut, status_code=status.HTTP_201_CREATED)
async def create_window(session: DbSession, actor: Editor, body: WindowDefinition) -> WindowOut:
    try:
        return await service.create(session=session, actor=actor, data=body)
    except service.Invalid as exc:
        raise _invalid(exc) from exc


@router.get("/{window_id}", response_model=WindowOut)
async def read_window(session: DbSession, actor: Viewer, window_id: RowId) -> WindowOut:
    try:
        return await service.get(session=session, org_id=actor.org_id, window_id=window_id)
    except service.NotFound as exc:
        raise _not_found(exc) from exc


@router.patch("/{window_id}", response_model=WindowOut)
async def update_window(session: DbSession, actor: Editor, window_id: RowId, body: WindowUpdate) -> WindowOut:
    try:
        return await service.update_window(session=session, actor=actor, window_id=window_id, data=body)
    except service.NotFound as exc:
        raise _not_found(exc) from exc
    except service.Invalid as exc:
        raise _invalid(exc) from exc


@router.delete("/{window_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_window(session: DbSession, actor: Editor, window_id: RowId) -> Response:
    try:
        await service.remove(session=session, actor=actor, window_id=window_id)
    except service.NotFound as exc:
        raise _not_found(exc) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{window_id}/occurrences", response_model=OccurrencePage)
async def list_occurrences(session: DbSession, actor: Viewer, window_id: RowId,
                           start: Annotated[datetime | None, Query(alias="from", description=(
                               "ISO 8601 (naive: UTC); default now: the occurrence on now comes first"))] = None,
                           end: Annotated[datetime | None, Query(alias="to", description=(
                               "ISO 8601; at most a year after `from`"))] = None,
                           limit: Annotated[int, Query(ge=1, le=100)] = 10,
                           cursor: str | None = None) -> OccurrencePage:
    """When the window is on: its occurrences overlapping [from, to), in order, in UTC."""
    try:
        begin = _aware(start) if start is not None else datetime.now(UTC)
        if cursor is not None:
            if not digits(cursor, 15):
                raise InvalidInput("cursor is not valid", ("query", "cursor"))
            begin = datetime.fromtimestamp(int(cursor) / 1000, UTC)
        items, following = await service.occurrences(
            session=session, org_id=actor.org_id, window_id=window_id, start=begin,
            end=_aware(end) if end is not None else None, limit=limit)
    except service.NotFound as exc:
        raise _not_found(exc) from exc
    except service.Invalid as exc:
        raise _invalid(exc) from exc
    except (OverflowError, ValueError) as exc:  # a time past the year 9999 once a year is added
        raise InvalidInput("from and to must be real times, before the year 9999", ("query", "from")) from exc
    return OccurrencePage(items=items, next_cursor=None if following is None else
                          str(int(following.timestamp() * 1000)))


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
