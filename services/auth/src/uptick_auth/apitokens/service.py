from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_auth.errors import NotFound
from uptick_common import audit, tokens
from uptick_common.access import Actor
from uptick_common.api import utcnow
from uptick_common.db.models import ApiToken

log = structlog.get_logger(__name__)


async def create(*, session: AsyncSession, actor: Actor, name: str, scopes: Sequence[str],
                 expires_at: datetime | None) -> tuple[ApiToken, str]:
    """The new token's row and the token itself (which is not stored)."""
    token = tokens.new_api_token()
    row = ApiToken(org_id=actor.org_id, created_by=actor.user_id, name=name, scopes=scopes, expires_at=expires_at,
                   prefix=token[:tokens.API_TOKEN_SHOWN_CHARS], token_hash=tokens.secret_hash(token))
    session.add(row)
    await session.flush()
    audit.record(session, actor, "token.created", "api_token", row.id, name=name, scopes=scopes)
    await session.commit()
    log.info("API token created", token_id=row.id, org_id=row.org_id)
    return row, token


def live(org_id: int | None) -> Select[Any]:
    """The organization's tokens that can still be used (revoked ones are gone from the list)."""
    return select(ApiToken).where(ApiToken.org_id == org_id, ApiToken.revoked_at.is_(None))


async def revoke(*, session: AsyncSession, actor: Actor, token_id: int) -> None:
    name = await session.scalar(
        update(ApiToken).where(ApiToken.id == token_id, ApiToken.org_id == actor.org_id,
                               ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).returning(ApiToken.name))
    if name is None:
        raise NotFound
    audit.record(session, actor, "token.revoked", "api_token", token_id, name=name)
    await session.commit()
    log.info("API token revoked", token_id=token_id, org_id=actor.org_id)
