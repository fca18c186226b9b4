"""`GET /api/audit`: the acting organization's audit log, newest first (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from uptick_auth import pages
from uptick_common.access import Admin
from uptick_common.api import DbSession
from uptick_common.db.models import AuditEntry

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    actor: Literal["user", "token"] = Field(description="a person's session, or one of the organization's tokens")
    actor_user_id: int | None = Field(description="the person (a token's: its creator); null once deleted")
    actor_token_id: int | None
    action: str = Field(description="e.g. monitor.created, member.role_changed, token.revoked")
    target_type: str
    target_id: str | None
    details: dict[str, Any] = Field(description="names, roles, changed fields: never a secret value")


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


@router.get("", response_model=AuditPage)
async def audit_log(session: DbSession, actor: Admin, limit: pages.Limit = 100, cursor: str | None = None) -> dict:
    query = select(AuditEntry).where(AuditEntry.org_id == actor.org_id)
    rows = (await session.scalars(pages.after(query, AuditEntry.id, cursor, limit, newest_first=True))).all()
    items = [AuditEntryOut.model_validate({**_columns(row), "actor": "token" if row.actor_token_id else "user"})
             for row in rows]
    return pages.page(items, limit)


def _columns(row: AuditEntry) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ("id", "created_at", "actor_user_id", "actor_token_id", "action",
                                                    "target_type", "target_id", "details")}
