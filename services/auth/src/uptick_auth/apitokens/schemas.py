from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from uptick_auth.orgs.schemas import Name
from uptick_common.api import utcnow

Scope = Literal["read", "write"]


class ApiTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    scopes: list[Scope] = Field(description='["read"] or ["read", "write"]; write changes what an editor may')
    expires_at: AwareDatetime | None = Field(default=None, description="none: valid until revoked")

    @field_validator("scopes")
    @classmethod
    def _read_or_read_write(cls, scopes: list[str]) -> list[str]:
        if sorted(set(scopes)) not in (["read"], ["read", "write"]):
            raise ValueError('scopes are ["read"] or ["read", "write"]')
        return sorted(set(scopes))

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, expires_at: datetime | None) -> datetime | None:
        if expires_at is not None and expires_at <= utcnow():
            raise ValueError("expires_at must be in the future")
        return expires_at


class ApiTokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    name: str
    prefix: str = Field(description="the token's first characters, to recognise it")
    scopes: list[Scope]
    created_by: int
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="the token itself: shown this once, stored only as a hash")


class ApiTokenPage(BaseModel):
    items: list[ApiTokenOut]
    next_cursor: str | None
