"""The monitors REST API. Thin: parse, call the service layer, map its errors to HTTP answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status

from uptick_common.access import Editor, Viewer
from uptick_common.api import DbSession, RowId, digits, id_cursor
from uptick_common.problems import InvalidInput
from uptick_monitors import service
from uptick_monitors.conditional import etag_of, json_answer, not_modified
from uptick_monitors.schemas import (
    SUMMARY_LIMIT,
    MonitorCreate,
    MonitorOut,
    MonitorPage,
    MonitorSummary,
    MonitorSummaryPage,
    MonitorUpdate,
    RegionsOut,
    TickPage,
)

router = APIRouter(prefix="/api")

Limit = Annotated[int, Query(ge=1, le=500)]
NOT_FOUND = "monitor not found"
# A monitor managed elsewhere (its managed_by) is changed only by requests that name that place.
ManagedBy = Annotated[str | None, Header(alias="X-Uptick-Managed-By", max_length=300)]


def _known_regions(request: Request) -> tuple[str, ...]:
    return request.app.state.settings.regions


def _unprocessable(message: str, loc: tuple[str, ...] = ("body",)) -> InvalidInput:
    return InvalidInput(message, loc)


@router.get("/regions", response_model=RegionsOut)
async def regions(request: Request, _: Viewer) -> RegionsOut:
    return RegionsOut(regions=list(_known_regions(request)))


@router.get("/monitors", response_model=MonitorPage,
            responses={304: {"description": "unchanged since the ETag given in If-None-Match"}})
async def list_monitors(request: Request, session: DbSession, actor: Viewer, limit: Limit = 100,
                        cursor: str | None = None) -> Response:
    after_id = id_cursor(cursor)
    items, next_id = await service.list_page(session=session, org_id=actor.org_id, limit=limit, after_id=after_id)
    # Built from our own database's rows (service.list_page) and serialised once, without FastAPI validating
    # every field of the page again.
    page = MonitorPage.model_construct(items=items, next_cursor=str(next_id) if next_id is not None else None)
    return json_answer(request, page.model_dump_json().encode())


@router.get("/monitors/summary", response_model=MonitorSummaryPage,
            responses={304: {"description": "unchanged since the ETag given in If-None-Match"}})
async def list_summaries(request: Request, session: DbSession, actor: Viewer,
                         limit: Annotated[int, Query(ge=1, le=SUMMARY_LIMIT)] = SUMMARY_LIMIT,
                         cursor: str | None = None) -> Response:
    """The dashboard's list: every monitor's state in one request (up to 10,000 a page), with an ETag, so that
    polling it costs a 304 while nothing changed. The ETag is a stamp of what the list is made of (one
    aggregate query): an unchanged list is answered without building it."""
    after_id = id_cursor(cursor)
    stamp = await service.list_stamp(session=session, org_id=actor.org_id)
    etag = etag_of(f"{stamp}|{limit}|{after_id}".encode())
    if (unchanged := not_modified(request, etag)) is not None:
        return unchanged
    items, next_id = await service.list_page(session=session, org_id=actor.org_id, limit=limit, after_id=after_id)
    shown = MonitorSummary.model_fields
    page = MonitorSummaryPage.model_construct(
        items=[MonitorSummary.model_construct(**{name: item.__dict__[name] for name in shown}) for item in items],
        next_cursor=str(next_id) if next_id is not None else None)
    return json_answer(request, page.model_dump_json().encode(), etag=etag)


@router.post("/monitors", response_model=MonitorOut, status_code=status.HTTP_201_CREATED)
async def create_monitor(request: Request, session: DbSession, actor: Editor,
                         body: MonitorCreate) -> MonitorOut:
    try:
        return await service.create(session=session, actor=actor, data=body,
                                    known_regions=_known_regions(request), quotas=request.app.state.settings.quotas)
    except service.Invalid as exc:
        raise _unprocessable(str(exc)) from exc
    except service.OverQuota as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from exc



@router.get("/monitors/{monitor_id}", response_model=MonitorOut)
async def read_monitor(session: DbSession, actor: Viewer, monitor_id: RowId) -> MonitorOut:
    try:
        return await service.get(session=session, org_id=actor.org_id, monitor_id=monitor_id)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND) from exc


@router.patch("/monitors/{monitor_id}", response_model=MonitorOut)
async def update_monitor(request: Request, session: DbSession, actor: Editor, monitor_id: RowId,
                         body: MonitorUpdate, manager: ManagedBy = None) -> MonitorOut:
    try:
        return await service.update(session=session, actor=actor, monitor_id=monitor_id, data=body,
                                    known_regions=_known_regions(request), manager=manager,
                                    quotas=request.app.state.settings.quotas)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND) from exc
    except service.Managed as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    except service.Invalid as exc:
        raise _unprocessable(str(exc)) from exc


@router.delete("/monitors/{monitor_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_monitor(session: DbSession, actor: Editor, monitor_id: RowId, manager: ManagedBy = None) -> Response:
    try:
        await service.remove(session=session, actor=actor, monitor_id=monitor_id, manager=manager)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND) from exc
    except service.Managed as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/monitors/{monitor_id}/ticks", response_model=TickPage)
async def list_ticks(session: DbSession, actor: Viewer, monitor_id: RowId, limit: Limit = 100,
                     cursor: str | None = None, region: str | None = None) -> TickPage:
    try:
        items, last = await service.ticks(session=session, org_id=actor.org_id, monitor_id=monitor_id, limit=limit,
                                          before=_tick_cursor(cursor), region=region)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND) from exc
    next_cursor = f"{int(last[0].timestamp() * 1_000_000)}~{last[1]}" if last else None
    return TickPage(items=items, next_cursor=next_cursor)


def _tick_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """`<microseconds since the epoch>~<region>` of the last tick of the previous page."""
    if cursor is None:
        return None
    micros, _, region = cursor.partition("~")
    if not digits(micros) or not region:
        raise _unprocessable("cursor is not valid", ("query", "cursor"))
    try:
        return datetime.fromtimestamp(int(micros) / 1_000_000, UTC), region
    except (ValueError, OverflowError, OSError):  # past the year 9999
        raise _unprocessable("cursor is not valid", ("query", "cursor")) from None

