from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_auth.errors import Conflict, Forbidden, NotFound
from uptick_common import audit, tokens
from uptick_common.access import Actor, Role
from uptick_common.api import utcnow
from uptick_common.db.models import Invitation, Membership, Organization, User

log = structlog.get_logger(__name__)


def status_of(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    return "expired" if invitation.expires_at <= utcnow() else "pending"


def out(invitation: Invitation) -> dict[str, Any]:
    return {"id": invitation.id, "org_id": invitation.org_id, "email": invitation.email, "role": invitation.role,
            "created_at": invitation.created_at, "expires_at": invitation.expires_at,
            "status": status_of(invitation)}


async def create(*, session: AsyncSession, actor: Actor, org_id: int, email: str, role: Role,
                 ttl: timedelta, private_key: bytes) -> tuple[Invitation, str, str]:
    """The invitation, its link's token, and the organization's name."""
    if role is Role.owner and actor.role is not Role.owner:
        raise Forbidden("only an owner can invite an owner")
    already = await session.scalar(select(Membership.user_id).join(User, User.id == Membership.user_id)
                                   .where(Membership.org_id == org_id, User.email == email))
    if already is not None:
        raise Conflict("this address is already a member's")
    invitation = Invitation(org_id=org_id, email=email, role=role, invited_by=actor.user_id,
                            expires_at=utcnow() + ttl)
    session.add(invitation)
    await session.flush()
    audit.record(session, actor, "invitation.created", "invitation", invitation.id, org_id=org_id, role=role)
    org_name = await session.scalar(select(Organization.name).where(Organization.id == org_id))
    await session.commit()
    token = tokens.sign_invitation(private_key, invitation_id=invitation.id, expires_at=invitation.expires_at)
    return invitation, token, org_name or ""


def pending(org_id: int) -> Select[Any]:
    return select(Invitation).where(Invitation.org_id == org_id, Invitation.accepted_at.is_(None),
                                    Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())


async def revoke(*, session: AsyncSession, actor: Actor, org_id: int, invitation_id: int) -> None:
    invitation = await session.scalar(select(Invitation).where(
        Invitation.id == invitation_id, Invitation.org_id == org_id).with_for_update())
    if invitation is None or status_of(invitation) != "pending":
        raise NotFound
    invitation.revoked_at = utcnow()
    audit.record(session, actor, "invitation.revoked", "invitation", invitation_id, org_id=org_id)
    await session.commit()


async def view(*, session: AsyncSession, invitation_id: int) -> dict[str, Any]:
    row = (await session.execute(select(Invitation, Organization.name)
                                 .join(Organization, Organization.id == Invitation.org_id)
                                 .where(Invitation.id == invitation_id))).first()
    if row is None or status_of(row[0]) != "pending":
        raise NotFound
    invitation, org_name = row
    return {"org_name": org_name, "email": invitation.email, "role": invitation.role,
            "expires_at": invitation.expires_at}


async def accept(*, session: AsyncSession, actor: Actor, invitation_id: int) -> Invitation:
    """The caller joins with the invitation's role; the invitation is used up (its row locked meanwhile)."""
    invitation = await session.scalar(select(Invitation).where(Invitation.id == invitation_id).with_for_update())
    if invitation is None or status_of(invitation) != "pending":
        raise NotFound
    email = await session.scalar(select(User.email).where(User.id == actor.user_id))
    if email != invitation.email:
        raise Forbidden("this invitation is for another e-mail address: log in as that account")
    if await session.get(Membership, (invitation.org_id, actor.user_id)) is not None:
        raise Conflict("you are already a member of this organization")
    session.add(Membership(org_id=invitation.org_id, user_id=actor.user_id, role=invitation.role))
    invitation.accepted_at, invitation.accepted_by = utcnow(), actor.user_id
    audit.record(session, actor, "member.joined", "member", actor.user_id, org_id=invitation.org_id,
                 role=invitation.role, invitation_id=invitation.id)
    await session.commit()
    log.info("invitation accepted", org_id=invitation.org_id, user_id=actor.user_id)
    return invitation
