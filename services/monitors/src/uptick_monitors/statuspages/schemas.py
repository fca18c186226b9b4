"""What the status pages API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
MAX_MONITORS, MAX_GROUPS = 500, 50
Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=SLUG_PATTERN,
                            description="the page's public path /status/<slug>: lowercase letters, digits and "
                            "'-' (not first or last), at most 64; unique over every organization")]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=2000, description="shown under the title; plain text")]
GroupName = Annotated[str, Field(min_length=1, max_length=100)]
MonitorId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PageMonitor(_Strict):
    monitor_id: MonitorId
    show_url: bool = Field(default=False, description="show the monitor's URL on the public page (default hidden)")


class PageGroup(_Strict):
    name: GroupName | None = Field(default=None, description="the group's heading; null: no heading")
    monitors: list[PageMonitor] = Field(max_length=MAX_MONITORS, description="in the order shown")


class _PageFields(_Strict):
    monitor_ids: list[MonitorId] | None = Field(
        default=None, max_length=MAX_MONITORS,
        description="the monitors shown, in order, in one group without a heading and without URLs; "
        "or give `groups` instead")
    groups: list[PageGroup] | None = Field(
        default=None, max_length=MAX_GROUPS, description="the monitors shown in named groups, in order")

    @model_validator(mode="after")
    def _one_way_to_say_monitors(self) -> _PageFields:
        if self.monitor_ids is not None and self.groups is not None:
            raise ValueError("give monitor_ids or groups, not both")
        return self

    def membership(self) -> list[PageGroup] | None:
        """The monitors asked for as groups (None: not given)."""
        if self.monitor_ids is not None:
            return [PageGroup(monitors=[PageMonitor(monitor_id=m) for m in self.monitor_ids])]
        return self.groups


class StatusPageCreate(_PageFields):
    slug: Slug
    title: Title
    description: Description | None = None


class StatusPageUpdate(_PageFields):
    """Only the fields given change; `monitor_ids` or `groups` replace the page's monitors."""

    slug: Slug | None = None
    title: Title | None = None
    description: Description | None = None


class StatusPageOut(BaseModel):
    id: int
    slug: str
    title: str
    description: str | None
    groups: list[PageGroup] = Field(description="the page's monitors in their groups, in order")
    monitor_ids: list[int] = Field(description="every monitor of the page, in order")
    public_url: str = Field(description="the public page (HTML); add .json for JSON, /feed.atom for the feed")
    created_at: datetime
    updated_at: datetime


class StatusPagePage(BaseModel):
    items: list[StatusPageOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")
