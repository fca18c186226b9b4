"""Who is asking, in which organization, with which role: the request authentication every service shares.

A request carries a session's access token (`Authorization: Bearer <jwt>` or the session cookie) or an
organization's API token (`Authorization: Bearer upt_…`). A session acts in the organization named by the
`X-Uptick-Org` header, else in the user's personal one; an API token acts in its own. Every request looks
its session or token up in Postgres (one query, no cache), so a log-out, a revoked or expired token, or a
removed member is refused at once on every service. The answer names the organization (`X-Uptick-Org`).

Cookie-authenticated changes must come from the dashboard's own origin (`csrf.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_common import csrf, tokens
from uptick_common.api import DbSession, RowId, Unauthorized, bearer_or_cookie, digits, utcnow
from uptick_common.db.models import ApiToken, AuthSession, Membership, Organization

ORG_HEADER = "X-Uptick-Org"
# A token's last use is written at most this often: a timestamp to the minute costs no write per request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


class Role(StrEnum):
    """Each role may do everything the ones below it may."""

    viewer = "viewer"  # reads everything, changes nothing
    editor = "editor"  # changes monitors (later channels, status pages)
    admin = "admin"  # manages members, invitations and API tokens; reads the audit log
    owner = "owner"  # also renames, deletes and hands over the organization

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Role.viewer: 0, Role.editor: 1, Role.admin: 2, Role.owner: 3}
SCOPES = ("read", "write")


def token_role(creator_role: Role, scopes: Sequence[str]) -> Role:
    """What an API token may do: its scopes, never more than its creator's role. A `write` token changes
    what an editor may; accounts (members, tokens, the audit log) are managed by people, not tokens."""
    cap = Role.editor if "write" in scopes else Role.viewer
    return creator_role if creator_role.rank < cap.rank else cap


@dataclass(frozen=True)
class Actor:
    """The caller: a user acting through a session or through one of their organization's API tokens."""

    user_id: int
    org_id: int | None  # None: a session user who is not a member of the organization asked for
    role: Role | None
    session_id: str | None = None
    token_id: int | None = None

    @property
    def kind(self) -> str:
        return "token" if self.token_id is not None else "user"


@dataclass(frozen=True)
class Member(Actor):
    """An actor who belongs to the organization the request acts in: what `require` lets through."""

    org_id: int
    role: Role

    @classmethod
    def of(cls, actor: Actor) -> Member | None:
        if actor.org_id is None or actor.role is None:
            return None
        return cls(actor.user_id, actor.org_id, actor.role, actor.session_id, actor.token_id)


async def authenticate(request: Request, session: DbSession, org_id: int | None) -> Actor:
    """The caller, in `org_id` (or the header's, or their personal organization); 401 without a live
    credential. `role` is None when the caller is no member of that organization."""
    credential = bearer_or_cookie(request)
    if not credential:
        raise Unauthorized("not authenticated")
    if request.method not in csrf.SAFE_METHODS and "authorization" not in request.headers:
        csrf.check_same_origin(request)
    if org_id is None:
        org_id = _header_org(request)
    if credential.startswith(tokens.API_TOKEN_PREFIX):
        actor = await _token_actor(session, credential)
        if org_id is not None and org_id != actor.org_id:
            return Actor(user_id=actor.user_id, org_id=None, role=None, token_id=actor.token_id)
    else:
        actor = await _session_actor(request, session, credential, org_id)
    if actor.org_id is not None:
        request.state.uptick_org = actor.org_id  # RequestMetrics echoes it as X-Uptick-Org
    return actor


def _header_org(request: Request) -> int | None:
    value = request.headers.get(ORG_HEADER)
    if value is None:
        return None
    if not digits(value):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{ORG_HEADER} must be an organization's id")
    return int(value)


async def _session_actor(request: Request, session: DbSession, token: str, org_id: int | None) -> Actor:
    try:
        claims = tokens.verify(request.app.state.public_key, token)
    except tokens.InvalidToken as exc:
        raise Unauthorized("invalid or expired token") from exc
    personal = select(Organization.id).where(Organization.personal_for == claims.user_id).scalar_subquery()
    row = (await session.execute(
        select(AuthSession.revoked_at.is_(None), Membership.org_id, Membership.role)
        .select_from(AuthSession)
        .outerjoin(Membership, and_(Membership.user_id == AuthSession.user_id,
                                    Membership.org_id == (personal if org_id is None else org_id)))
        .where(AuthSession.id == claims.session_id, AuthSession.user_id == claims.user_id)
    )).first()
    if row is None or not row[0]:
        raise Unauthorized("session has ended")
    _, member_of, role = row
    return Actor(user_id=claims.user_id, org_id=member_of, role=Role(role) if role else None,
                 session_id=claims.session_id)


async def _token_actor(session: DbSession, token: str) -> Actor:
    row = (await session.execute(
        select(ApiToken.id, ApiToken.org_id, ApiToken.created_by, ApiToken.scopes, ApiToken.last_used_at,
               Membership.role)
        # The creator's membership: a token never outlives it, nor does it do more than its creator may.
        .join(Membership, and_(Membership.org_id == ApiToken.org_id, Membership.user_id == ApiToken.created_by))
        .where(ApiToken.token_hash == tokens.secret_hash(token), ApiToken.revoked_at.is_(None),
               or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > func.now()))
    )).first()
    if row is None:
        raise Unauthorized("invalid, expired or revoked API token")
    token_id, org_id, user_id, scopes, last_used_at, creator_role = row
    now = utcnow()
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        await session.commit()
    return Actor(user_id=user_id, org_id=org_id, role=token_role(Role(creator_role), scopes), token_id=token_id)


def _forbidden(actor: Actor, needed: Role) -> HTTPException:
    what = "this API token's scopes" if actor.token_id is not None else f"your role ({actor.role})"
    return HTTPException(status.HTTP_403_FORBIDDEN, f"{what} cannot do this: it needs {needed} or above")


def require(needed: Role) -> Callable[[Request, AsyncSession], Awaitable[Member]]:
    """A member of the organization the request acts in (header, else personal) with at least `needed`."""

    async def member(request: Request, session: DbSession) -> Member:
        actor = Member.of(await authenticate(request, session, None))
        if actor is None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not a member of this organization; "
                                f"name one you belong to with {ORG_HEADER}")
        if actor.role.rank < needed.rank:
            raise _forbidden(actor, needed)
        return actor

    return member


def require_in_path(needed: Role) -> Callable[[Request, AsyncSession, int], Awaitable[Member]]:
    """A member of the organization `{org_id}` in the path; another organization is a 404, as if absent."""

    async def member(request: Request, session: DbSession, org_id: RowId) -> Member:
        actor = Member.of(await authenticate(request, session, org_id))
        if actor is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "organization not found")
        if actor.role.rank < needed.rank:
            raise _forbidden(actor, needed)
        return actor

    return member


async def current_user(request: Request, session: DbSession) -> Actor:
    """Any authenticated caller, a member of the organization asked for or not (their own account's routes)."""
    return await authenticate(request, session, None)


# Routes take these: the caller in the organization the request acts in, with at least that role.
Viewer = Annotated[Member, Depends(require(Role.viewer))]
Editor = Annotated[Member, Depends(require(Role.editor))]
Admin = Annotated[Member, Depends(require(Role.admin))]
OrgViewer = Annotated[Member, Depends(require_in_path(Role.viewer))]
OrgAdmin = Annotated[Member, Depends(require_in_path(Role.admin))]
OrgOwner = Annotated[Member, Depends(require_in_path(Role.owner))]
CurrentUser = Annotated[Actor, Depends(current_user)]
