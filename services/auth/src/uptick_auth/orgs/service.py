"""Organizations and memberships. Every change to an organization's members locks the organization's row
first, so that two concurrent changes cannot together leave it without an owner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_auth.errors import Conflict, Forbidden, NotFound
from uptick_common import audit
from uptick_common.access import Actor, Role
from uptick_common.api import utcnow
from uptick_common.db.models import ApiToken, Membership, Organization, User

log = structlog.get_logger(__name__)


async def add_personal(session: AsyncSession, user: User) -> None:
    """The organization a sign-up makes, its user the owner (committed with the user)."""
    org = Organization(name=user.email, personal_for=user.id)
    session.add(org)
    await session.flush()
    session.add(Membership(org_id=org.id, user_id=user.id, role=Role.owner))


def mine(actor: Actor) -> Select[int, str, bool, str, datetime]:
    """The caller's organizations with the caller's role (an API token: only its own, with its own role)."""
    query = (select(Organization.id, Organization.name, Organization.personal_for.is_not(None), Membership.role,
                    Organization.created_at)
             .join(Membership, Membership.org_id == Organization.id).where(Membership.user_id == actor.user_id))
    if actor.token_id is not None:
        query = query.where(Organization.id == actor.org_id)
    return query


def row_out(row: Any, actor: Actor) -> dict[str, Any]:  # noqa: ANN401
    id_, name, personal, role, created_at = row
    if actor.token_id is not None and actor.role is not None:
        role = actor.role
    return {"id": id_, "name": name, "personal": personal, "role": role, "created_at": created_at}


async def create(*, session: AsyncSession, actor: Actor, name: str) -> dict[str, Any]:
    org = Organization(name=name)
    session.add(org)
    await session.flush()
    session.add(Membership(org_id=org.id, user_id=actor.user_id, role=Role.owner))
    audit.record(session, actor, "org.created", "organization", org.id, org_id=org.id, name=name)
    await session.commit()
    log.info("organization created", org_id=org.id, user_id=actor.user_id)
    return {"id": org.id, "name": org.name, "personal": False, "role": Role.owner, "created_at": org.created_at}


async def get(*, session: AsyncSession, actor: Actor, org_id: int) -> dict[str, Any]:
    row = (await session.execute(mine(actor).where(Organization.id == org_id))).first()
    if row is None:
        raise NotFound
    return row_out(row, actor)


async def rename(*, session: AsyncSession, actor: Actor, org_id: int, name: str) -> dict[str, Any]:
    await session.execute(update(Organization).where(Organization.id == org_id).values(name=name))
    audit.record(session, actor, "org.renamed", "organization", org_id, name=name)
    await session.commit()
    return await get(session=session, actor=actor, org_id=org_id)


async def delete(*, session: AsyncSession, actor: Actor, org_id: int) -> None:
    org = await _locked(session, org_id)
    if org.personal_for is not None:
        raise Conflict("a personal organization cannot be deleted")
    await session.delete(org)  # its memberships, monitors, tokens, invitations and audit entries go with it
    await session.commit()
    log.info("organization deleted", org_id=org_id, user_id=actor.user_id)


def members(org_id: int) -> Select[int, str, str, datetime]:
    return (select(Membership.user_id, User.email, Membership.role, Membership.created_at)
            .join(User, User.id == Membership.user_id).where(Membership.org_id == org_id))


async def change_role(*, session: AsyncSession, actor: Actor, org_id: int, user_id: int, role: Role) -> None:
    await _locked(session, org_id)
    member = await _member(session, org_id, user_id)
    current = Role(member.role)
    if Role.owner in (current, role) and actor.role is not Role.owner:
        raise Forbidden("only an owner can make or unmake an owner")
    if current is Role.owner and role is not Role.owner:
        await _keep_an_owner(session, org_id)
    member.role = role
    audit.record(session, actor, "member.role_changed", "member", user_id, role=role, previous=current)
    await session.commit()


async def remove(*, session: AsyncSession, actor: Actor, org_id: int, user_id: int) -> None:
    """A member removed by an admin (an owner by an owner), or leaving (`user_id` the caller's own)."""
    await _locked(session, org_id)
    member = await _member(session, org_id, user_id)
    leaving = user_id == actor.user_id
    if leaving and actor.token_id is not None:
        raise Forbidden("an API token cannot make its creator leave")
    if not leaving and (actor.role is None or actor.role.rank < Role.admin.rank):
        raise Forbidden(f"your role ({actor.role}) cannot remove members: it needs admin or above")
    if member.role == Role.owner:
        if not leaving and actor.role is not Role.owner:
            raise Forbidden("only an owner can remove an owner")
        await _keep_an_owner(session, org_id)
    await session.delete(member)
    # Their tokens go with their membership (they would be refused anyway: a token never outlives it).
    await session.execute(update(ApiToken).where(ApiToken.org_id == org_id, ApiToken.created_by == user_id,
                                                 ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    audit.record(session, actor, "member.left" if leaving else "member.removed", "member", user_id,
                 org_id=org_id, role=member.role)
    await session.commit()


async def hand_over(*, session: AsyncSession, actor: Actor, org_id: int, user_id: int) -> None:
    """The organization goes to another member: they become an owner, the caller an admin."""
    await _locked(session, org_id)
    if user_id == actor.user_id:
        raise Conflict("you already own this organization")
    member = await _member(session, org_id, user_id)
    member.role = Role.owner
    await session.execute(update(Membership).where(Membership.org_id == org_id,
                                                   Membership.user_id == actor.user_id).values(role=Role.admin))
    audit.record(session, actor, "org.handed_over", "member", user_id, role=Role.owner)
    await session.commit()


async def _locked(session: AsyncSession, org_id: int) -> Organization:
    org = await session.scalar(select(Organization).where(Organization.id == org_id).with_for_update())
    if org is None:
        raise NotFound
    return org


async def _member(session: AsyncSession, org_id: int, user_id: int) -> Membership:
    member = await session.get(Membership, (org_id, user_id))
    if member is None:
        raise NotFound
    return member


async def _keep_an_owner(session: AsyncSession, org_id: int) -> None:
    owners = await session.scalar(select(func.count()).select_from(Membership)
                                  .where(Membership.org_id == org_id, Membership.role == Role.owner))
    if (owners or 0) <= 1:
        raise Conflict("an organization always has an owner: make another member an owner first")
