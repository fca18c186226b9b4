from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from uptick_common.access import Role

# No control characters: a name is shown on pages and in e-mails, and Postgres text cannot hold NUL.
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
OrgName = Name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrgCreate(_Strict):
    name: OrgName


class OrgUpdate(_Strict):
    name: OrgName


class OrgOut(BaseModel):
    id: int
    name: str
    personal: bool = Field(description="made by the user's sign-up: where requests act that name none")
    role: Role = Field(description="the caller's role in it")
    created_at: datetime


class OrgPage(BaseModel):
    items: list[OrgOut]
    next_cursor: str | None


class MemberOut(BaseModel):
    user_id: int
    email: str
    role: Role
    joined_at: datetime


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


class RoleChange(_Strict):
    role: Role


class HandOver(_Strict):
    user_id: int = Field(ge=1, le=2**63 - 1, description="the member who becomes an owner; the caller stays on as "
                         "an admin")
