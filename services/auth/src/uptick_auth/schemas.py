"""Request and response bodies of the auth API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_BYTES = 256  # UTF-8 bytes, so also at most 256 characters


def _lower(value: str) -> str:
    return value.strip().lower()


def _not_too_long(value: str) -> str:
    if len(value.encode()) > PASSWORD_MAX_BYTES:
        raise ValueError(f"password must be at most {PASSWORD_MAX_BYTES} bytes")
    return value


Email = Annotated[EmailStr, AfterValidator(_lower)]
Password = Annotated[str, Field(min_length=PASSWORD_MIN_CHARS), AfterValidator(_not_too_long)]


class SignupRequest(BaseModel):
    email: Email
    password: Password


class LoginRequest(BaseModel):
    # Not validated as an address: a malformed email is simply an unknown one (401), like any other.
    email: Annotated[str, Field(max_length=320), AfterValidator(_lower)]
    password: Annotated[str, Field(max_length=PASSWORD_MAX_BYTES)]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    created_at: datetime


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_at: datetime
    refresh_token: str = Field(description="for POST /api/auth/refresh once the access token expires; each works "
                               "once (the browser gets it as an httpOnly cookie too)")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Annotated[str | None, Field(max_length=128)] = Field(
        default=None, description="omitted: the refresh cookie")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, Field(max_length=PASSWORD_MAX_BYTES)]
    new_password: Password
