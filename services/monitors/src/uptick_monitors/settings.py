"""The monitors API's settings: an HTTP service's, and the quotas every organization gets."""

from __future__ import annotations

from pydantic import Field

from uptick_common.settings import HttpServiceSettings
from uptick_monitors.service import Quotas


class MonitorsSettings(HttpServiceSettings):
    """Regions come from UPTICK_REGIONS. The quotas' defaults are what a public instance can give every
    organization (README, Configuration): each monitor at the shortest interval costs a check every
    `quota_min_interval_seconds` from every region, and its request body travels in every job."""

    quota_monitors: int = Field(default=100, ge=1)
    quota_min_interval_seconds: int = Field(default=30, ge=10)
    quota_body_bytes: int = Field(default=4096, ge=0)

    @property
    def quotas(self) -> Quotas:
        return Quotas(monitors=self.quota_monitors, min_interval_seconds=self.quota_min_interval_seconds,
                      body_bytes=self.quota_body_bytes)
