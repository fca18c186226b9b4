"""`/api/orgs`: my organizations, members and roles, leaving and handing over."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from uptick_auth import pages
from uptick_auth.errors import DOMAIN_ERRORS, http_error
from uptick_auth.orgs import service
from uptick_auth.orgs.schemas import HandOver, MemberPage, OrgCreate, OrgOut, OrgPage, OrgUpdate, RoleChange
from uptick_common.access import CurrentUser, OrgAdmin, OrgOwner, OrgViewer
from uptick_common.api import DbSession, RowId
from uptick_common.db.models import Membership, Organization

router = APIRouter(prefix="/api/orgs", tags=["organizations"])
NO_TOKENS = "API tokens act in their own organization; organizations are managed by people, with a session"


@router.get("", response_model=OrgPage)
async def list_orgs(session: DbSession, actor: CurrentUser, limit: pages.Limit = 100,
                    cursor: str | None = None) -> dict:
    rows = (await session.execute(pages.after(service.mine(actor), Organization.id, cursor, limit))).all()
    return pages.page([service.row_out(row, actor) for row in rows], limit, lambda org: org["id"])


@router.post("", response_model=OrgOut, status_code=status.HTTP_201_CREATED)
async def create_org(session: DbSession, actor: CurrentUser, body: OrgCreate) -> dict:
    if actor.token_id is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NO_TOKENS)
    return await service.create(session=session, actor=actor, name=body.name)


@router.get("/{org_id}", response_model=OrgOut)
async def read_org(session: DbSession, actor: OrgViewer, org_id: RowId) -> dict:
    return await service.get(session=session, actor=actor, org_id=org_id)


@router.patch("/{org_id}", response_model=OrgOut)
async def rename_org(session: DbSession, actor: OrgAdmin, org_id: RowId, body: OrgUpdate) -> dict:
    return await service.rename(session=session, actor=actor, org_id=org_id, name=body.name)


@router.delete("/{org_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_org(session: DbSession, actor: OrgOwner, org_id: RowId) -> None:
    try:
        await service.delete(session=session, actor=actor, org_id=org_id)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc, "organization not found") from exc


@router.get("/{org_id}/members", response_model=MemberPage)
async def list_members(session: DbSession, _: OrgViewer, org_id: RowId, limit: pages.Limit = 100,
                       cursor: str | None = None) -> dict:
    rows = (await session.execute(pages.after(service.members(org_id), Membership.user_id, cursor, limit))).all()
    items = [{"user_id": u, "email": e, "role": r, "joined_at": j} for u, e, r, j in rows]
    return pages.page(items, limit, lambda member: member["user_id"])


@router.patch("/{org_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def change_role(session: DbSession, actor: OrgAdmin, org_id: RowId, user_id: RowId, body: RoleChange) -> None:
    try:
        await service.change_role(session=session, actor=actor, org_id=org_id, user_id=user_id, role=body.role)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc, "member not found") from exc


@router.delete("/{org_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(session: DbSession, actor: OrgViewer, org_id: RowId, user_id: RowId) -> None:
    """Remove a member (admins; owners only by owners), or leave: your own user id. The last owner stays."""
    try:
        await service.remove(session=session, actor=actor, org_id=org_id, user_id=user_id)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc, "member not found") from exc


@router.post("/{org_id}/hand-over", status_code=status.HTTP_204_NO_CONTENT)
async def hand_over(session: DbSession, actor: OrgOwner, org_id: RowId, body: HandOver) -> None:
    try:
        await service.hand_over(session=session, actor=actor, org_id=org_id, user_id=body.user_id)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc, "member not found") from exc
