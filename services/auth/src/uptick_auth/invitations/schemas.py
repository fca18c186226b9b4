from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from uptick_auth.schemas import Email
from uptick_common.access import Role


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    role: Role


class InvitationOut(BaseModel):
    id: int
    org_id: int
    email: str
    role: Role
    created_at: datetime
    expires_at: datetime
    status: Literal["pending", "accepted", "revoked", "expired"]


class InvitationCreated(InvitationOut):
    mail_sent: bool = Field(description="false: the e-mail could not be sent (see the logs); revoke and invite again")
    accept_url: str | None = Field(default=None, description="the link of the e-mail; outside production only")


class InvitationPage(BaseModel):
    items: list[InvitationOut]
    next_cursor: str | None


class InvitationView(BaseModel):
    """What the link shows before it is accepted."""

    org_name: str
    email: str
    role: Role
    expires_at: datetime
