"""The channels API. Thin: parse, call the service layer, map its errors to HTTP answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from uptick_common.access import Editor, Member, Role, Viewer
from uptick_common.api import DbSession, id_cursor
from uptick_common.problems import InvalidInput
from uptick_monitors.channels import service
from uptick_monitors.channels.schemas import (
    ChannelCreate,
    ChannelOut,
    ChannelPage,
    ChannelUpdate,
    DeliveryPage,
    TestOut,
)

router = APIRouter(prefix="/api/channels", tags=["channels"])
Limit = Annotated[int, Query(ge=1, le=500)]
NOT_FOUND = "channel not found"


def _may_edit(actor: Member) -> bool:
    return actor.role.rank >= Role.editor.rank


def _not_found(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)


@router.get("", response_model=ChannelPage)
async def list_channels(session: DbSession, actor: Viewer, limit: Limit = 100,
                        cursor: str | None = None) -> ChannelPage:
    items, last = await service.list_page(session=session, org_id=actor.org_id, limit=limit, after_id=id_cursor(cursor),
                                          signing_secret=_may_edit(actor))
    return ChannelPage(items=items, next_cursor=None if last is None else str(last))


@router.post("", response_model=ChannelOut, status_code=status.HTTP_201_CREATED)
async def create_channel(session: DbSession, actor: Editor, body: ChannelCreate) -> ChannelOut:
    try:
        return await service.create(session=session, actor=actor, data=body)
    except service.Invalid as exc:
        raise InvalidInput(str(exc), exc.loc) from exc


@router.get("/{channel_id}", response_model=ChannelOut)
async def read_channel(session: DbSession, actor: Viewer, channel_id: int) -> ChannelOut:
    try:
        return await service.get(session=session, org_id=actor.org_id, channel_id=channel_id,
                                 signing_secret=_may_edit(actor))
    except service.NotFound as exc:
        raise _not_found(exc) from exc


@router.patch("/{channel_id}", response_model=ChannelOut)
async def update_channel(session: DbSession, actor: Editor, channel_id: int, body: ChannelUpdate) -> ChannelOut:
    try:
        return await service.update_channel(session=session, actor=actor, channel_id=channel_id, data=body)
    except service.NotFound as exc:
        raise _not_found(exc) from exc
    except service.Invalid as exc:
        raise InvalidInput(str(exc), exc.loc) from exc


@router.delete("/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_channel(session: DbSession, actor: Editor, channel_id: int) -> Response:
    try:
        await service.remove(session=session, actor=actor, channel_id=channel_id)
    except service.NotFound as exc:
        raise _not_found(exc) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{channel_id}/test", response_model=TestOut,
             responses={202: {"model": TestOut, "description": "sent to the notifier, no answer yet"}})
async def test_channel(session: DbSession, actor: Editor, channel_id: int, response: Response) -> TestOut:
    """Sends a test notification through the notifier and answers with what the receiver said."""
    try:
        answer = await service.send_test(session=session, actor=actor, channel_id=channel_id)
    except service.NotFound as exc:
        raise _not_found(exc) from exc
    if answer.outcome in ("queued", "sending"):
        response.status_code = status.HTTP_202_ACCEPTED
    return answer


@router.get("/{channel_id}/deliveries", response_model=DeliveryPage)
async def list_deliveries(session: DbSession, actor: Viewer, channel_id: int, limit: Limit = 100,
                          cursor: str | None = None) -> DeliveryPage:
    """Every attempt to deliver to this channel, newest first."""
    try:
        items, last = await service.deliveries(session=session, org_id=actor.org_id, channel_id=channel_id,
                                               limit=limit, before_id=id_cursor(cursor))
    except service.NotFound as exc:
        raise _not_found(exc) from exc
    return DeliveryPage(items=items, next_cursor=None if last is None else str(last))
