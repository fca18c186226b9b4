"""The audit log: who changed what in an organization, added in the transaction of the change itself.

Entries name fields, roles and names, never values that may be secret (a monitor's headers, a token)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from uptick_common.access import Actor
from uptick_common.db.models import AuditEntry


def record(session: AsyncSession, actor: Actor, action: str, target_type: str, target_id: object = None,
           *, org_id: int | None = None, **details: object) -> None:
    """Adds the entry to `session`; it is written when the change commits, and only then."""
    session.add(AuditEntry(
        org_id=org_id if org_id is not None else actor.org_id, actor_user_id=actor.user_id,
        actor_token_id=actor.token_id, action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id), details=details,
    ))
