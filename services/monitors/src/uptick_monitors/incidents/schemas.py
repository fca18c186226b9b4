"""What the incidents API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

IncidentStatus = Literal["open", "acknowledged", "resolved"]


class IncidentEventOut(BaseModel):
    id: int
    at: datetime
    kind: Literal["opened", "reopened", "acknowledged", "note", "reminded", "escalated", "resolved"]
    user_id: int | None
    body: str | None


class IncidentOut(BaseModel):
    id: int
    monitor_id: int
    monitor_name: str
    status: IncidentStatus
    started_at: datetime  # the first failing check
    opened_at: datetime  # when it was confirmed down
    cause: str | None  # the failing assertion or error
    regions: list[str]  # the regions that saw it fail
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    resolved_at: datetime | None
    duration_seconds: int  # so far, while it is not resolved
    flapping: bool  # went down again soon after resolving: reopened, not a new incident
    reopened: int
    parent_incident_id: int | None  # opened while the monitor it depends on was down: it alerted nothing


class IncidentDetail(IncidentOut):
    events: list[IncidentEventOut]  # the timeline, oldest first


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    next_cursor: str | None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=10_000)
