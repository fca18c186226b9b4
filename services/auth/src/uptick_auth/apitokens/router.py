"""`/api/tokens`: the acting organization's API tokens (admins)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status

from uptick_auth import pages
from uptick_auth.apitokens import service
from uptick_auth.apitokens.schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenOut, ApiTokenPage
from uptick_auth.errors import NotFound
from uptick_common.access import Admin
from uptick_common.api import DbSession, RowId
from uptick_common.db.models import ApiToken

router = APIRouter(prefix="/api/tokens", tags=["API tokens"])


@router.post("", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED)
async def create_token(session: DbSession, actor: Admin, body: ApiTokenCreate) -> ApiTokenCreated:
    row, token = await service.create(session=session, actor=actor, name=body.name, scopes=body.scopes,
                                      expires_at=body.expires_at)
    return ApiTokenCreated(**ApiTokenOut.model_validate(row).model_dump(), token=token)


@router.get("", response_model=ApiTokenPage)
async def list_tokens(session: DbSession, actor: Admin, limit: pages.Limit = 100, cursor: str | None = None) -> dict:
    rows = (await session.scalars(pages.after(service.live(actor.org_id), ApiToken.id, cursor, limit))).all()
    return pages.page([ApiTokenOut.model_validate(row) for row in rows], limit)


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(session: DbSession, actor: Admin, token_id: RowId) -> Response:
    try:
        await service.revoke(session=session, actor=actor, token_id=token_id)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "API token not found") from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)
