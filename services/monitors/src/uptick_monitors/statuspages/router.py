"""The status pages API (the dashboard's admin side). Thin: parse, call the service layer, map its errors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from uptick_common.access import Editor, Viewer
from uptick_common.api import DbSession, RowId, id_cursor
from uptick_common.problems import InvalidInput
from uptick_monitors.statuspages import service
from uptick_monitors.statuspages.schemas import StatusPageCreate, StatusPageOut, StatusPagePage, StatusPageUpdate

router = APIRouter(prefix="/api/status-pages", tags=["status pages"])
Limit = Annotated[int, Query(ge=1, le=500)]
NOT_FOUND = "status page not found"


def _invalid(exc: service.Invalid) -> InvalidInput:
    return InvalidInput(str(exc), ("body", exc.field))


@router.get("", response_model=StatusPagePage)
async def list_status_pages(session: DbSession, actor: Viewer, limit: Limit = 100,
                            cursor: str | None = None) -> StatusPagePage:
    items, last = await service.list_page(session=session, org_id=actor.org_id, limit=limit,
                                          after_id=id_cursor(cursor))
    return StatusPagePage(items=items, next_cursor=None if last is None else str(last))


@router.post("", response_model=StatusPageOut, status_code=status.HTTP_201_CREATED)
async def create_status_page(session: DbSession, actor: Editor, body: StatusPageCreate) -> StatusPageOut:
    """Publishes a page at /status/<slug>: anyone may read it, logged in or not."""
    try:
        return await service.create(session=session, actor=actor, data=body)
    except service.Invalid as exc:
        raise _invalid(exc) from exc


@router.get("/{page_id}", response_model=StatusPageOut)
async def read_status_page(session: DbSession, actor: Viewer, page_id: RowId) -> StatusPageOut:
    try:
        return await service.get(session=session, org_id=actor.org_id, page_id=page_id)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from exc


@router.patch("/{page_id}", response_model=StatusPageOut)
async def update_status_page(session: DbSession, actor: Editor, page_id: RowId,
                             body: StatusPageUpdate) -> StatusPageOut:
    """The public page shows the change within seconds (its snapshot is rebuilt)."""
    try:
        return await service.update(session=session, actor=actor, page_id=page_id, data=body)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from exc
    except service.Invalid as exc:
        raise _invalid(exc) from exc


@router.delete("/{page_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_status_page(session: DbSession, actor: Editor, page_id: RowId) -> Response:
    """The public page is gone at once (a 404)."""
    try:
        await service.remove(session=session, actor=actor, page_id=page_id)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)
