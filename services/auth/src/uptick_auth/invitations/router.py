"""Invitations: `/api/orgs/{org_id}/invitations` (admins) and the link's `/api/invitations/{token}`."""

from __future__ import annotations

from datetime import timedelta

import structlog
from fastapi import APIRouter, HTTPException, Request, Response, status

from uptick_auth import pages
from uptick_auth.errors import DOMAIN_ERRORS, http_error
from uptick_auth.invitations import service
from uptick_auth.invitations.schemas import (
    InvitationCreate,
    InvitationCreated,
    InvitationOut,
    InvitationPage,
    InvitationView,
)
from uptick_auth.router import Settings
from uptick_common import mail, tokens
from uptick_common.access import CurrentUser, OrgAdmin
from uptick_common.api import DbSession, RowId
from uptick_common.db.models import Invitation

router = APIRouter(tags=["invitations"])
log = structlog.get_logger(__name__)
GONE = "invitation not found, or no longer valid"


@router.post("/api/orgs/{org_id}/invitations", response_model=InvitationCreated,
             status_code=status.HTTP_201_CREATED)
async def invite(request: Request, session: DbSession, actor: OrgAdmin, settings: Settings, org_id: RowId,
                 body: InvitationCreate) -> dict:
    try:
        invitation, token, org_name = await service.create(
            session=session, actor=actor, org_id=org_id, email=body.email, role=body.role,
            ttl=timedelta(seconds=settings.invitation_ttl_seconds), private_key=request.app.state.private_key)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from exc
    # The dashboard's page for the link: it shows the invitation and accepts it (POST /api/invitations/{token}/accept).
    accept_url = f"{settings.public_url.rstrip('/')}/invitations/{token}"
    try:
        await mail.send(request.app.state.smtp, to=invitation.email, subject=f"Join {org_name} on Uptick",
                        text=f"You are invited to join {org_name} on Uptick as {invitation.role}.\n\n"
                             f"Open this link, log in (or sign up) as {invitation.email} and accept:\n"
                             f"{accept_url}\n\n"
                             f"The link works once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC.\n")
        sent = True
    except mail.MailNotSent as exc:
        log.warning("invitation e-mail not sent", invitation_id=invitation.id, error=str(exc))
        sent = False
    shown = accept_url if settings.env != "production" else None
    return {**service.out(invitation), "mail_sent": sent, "accept_url": shown}


@router.get("/api/orgs/{org_id}/invitations", response_model=InvitationPage)
async def list_invitations(session: DbSession, _: OrgAdmin, org_id: RowId, limit: pages.Limit = 100,
                           cursor: str | None = None) -> dict:
    rows = (await session.scalars(pages.after(service.pending(org_id), Invitation.id, cursor, limit))).all()
    return pages.page([InvitationOut.model_validate(service.out(row)) for row in rows], limit)


@router.delete("/api/orgs/{org_id}/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invitation(session: DbSession, actor: OrgAdmin, org_id: RowId, invitation_id: RowId) -> Response:
    try:
        await service.revoke(session=session, actor=actor, org_id=org_id, invitation_id=invitation_id)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc, GONE) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _invitation_id(request: Request, token: str) -> int:
    try:
        return tokens.verify_invitation(request.app.state.public_key, token)
    except tokens.InvalidToken:
        raise HTTPException(status.HTTP_404_NOT_FOUND, GONE) from None


@router.get("/api/invitations/{token}", response_model=InvitationView)
async def show_invitation(request: Request, session: DbSession, token: str) -> dict:
    """What the link invites to (anyone holding the link may see it)."""
    try:
        return await service.view(session=session, invitation_id=_invitation_id(request, token))
    except DOMAIN_ERRORS as exc:
        raise http_error(exc, GONE) from exc


@router.post("/api/invitations/{token}/accept", status_code=status.HTTP_204_NO_CONTENT)
async def accept_invitation(request: Request, session: DbSession, actor: CurrentUser, token: str) -> Response:
    """Join the organization: logged in as the invited address, with a session (not an API token)."""
    if actor.session_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "an API token cannot accept invitations")
    try:
        invitation = await service.accept(session=session, actor=actor, invitation_id=_invitation_id(request, token))
    except DOMAIN_ERRORS as exc:
        raise http_error(exc, GONE) from exc
    request.state.uptick_org = invitation.org_id
    return Response(status_code=status.HTTP_204_NO_CONTENT)
