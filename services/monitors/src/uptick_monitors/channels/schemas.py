"""What the channels API takes and gives. A channel's config is validated by its type's module
(uptick_common.channels) when it is saved: a bad one is a 422 naming the field, never a failed delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ChannelType = Literal["webhook", "slack", "discord", "teams", "email", "pagerduty", "telegram", "ntfy"]
Name = Field(min_length=1, max_length=200)


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: ChannelType
    name: str = Name
    config: dict[str, Any]
    # Default channels alert for every monitor of the organization that names no channels of its own.
    is_default: bool = False


class ChannelUpdate(BaseModel):
    """A secret left out of `config` (or sent back as shown, "(hidden)") keeps its value."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    config: dict[str, Any] | None = None
    is_default: bool | None = None
    # Webhooks: a new signing secret; the previous one keeps signing beside it for a day.
    rotate_secret: bool = False


class ChannelHealth(BaseModel):
    # ok: the last attempt was delivered; failing: the last attempts failed (how many in a row); unknown: none yet
    status: Literal["ok", "failing", "unknown"]
    consecutive_failures: int
    last_attempt_at: datetime | None
    last_error: str | None


class ChannelOut(BaseModel):
    id: int
    type: ChannelType
    name: str
    config: dict[str, Any]  # secrets shown as "(hidden)"; a webhook's signing secret is shown to its owners
    is_default: bool
    created_at: datetime
    updated_at: datetime
    health: ChannelHealth


class ChannelPage(BaseModel):
    items: list[ChannelOut]
    next_cursor: str | None


class TestOut(BaseModel):
    """The receiver's answer to the test notification (or `queued`/`sending` if it took too long to know)."""

    outcome: Literal["delivered", "failed", "queued", "sending"]
    status_code: int | None = None
    answer: str | None = None  # what the receiver said (its first 2,000 bytes), or why it could not be reached
    duration_ms: int | None = None
    delivery_id: int


class DeliveryOut(BaseModel):
    id: int
    notification_id: int
    event: str
    incident_id: int | None
    # Every incident it told of: its own, or a storm's grouped notification's (then incident_id is null).
    incident_ids: list[int]
    attempt: int
    started_at: datetime
    duration_ms: int | None
    outcome: Literal["sending", "delivered", "retrying", "failed", "interrupted"]
    status_code: int | None
    detail: str | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
