"""The checker's settings: one typed object read from `UPTICK_*` variables."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from uptick_common.netguard import IPNetwork, parse_networks
from uptick_common.settings import ConsumerSettings


class CheckerSettings(ConsumerSettings):
    # The region this process checks from: it reads `uptick:checks:<region>`.
    region: str
    # Checks in flight at once; jobs are read only when there is room for them.
    concurrency: int = Field(default=1000, ge=1)
    # Most jobs taken from the stream in one read.
    batch_size: int = Field(default=200, ge=1)
    # A job pending this long with a silent consumer is taken over; must exceed the longest check.
    claim_idle_ms: int = Field(default=90_000, ge=1)
    # A job delivered more often than this goes to the dead-letter stream.
    max_deliveries: int = Field(default=5, ge=1)
    # Longest deadline a job may ask for; longer ones are cut to this.
    max_timeout_seconds: float = Field(default=60.0, gt=0)
    # Networks checks may reach although they are not public (loopback for a local stack); empty in
    # production. Named for its variable, UPTICK_CHECKER_ALLOWED_NETWORKS (comma-separated CIDRs).
    checker_allowed_networks: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    # The most of a response body read (decompressed); a longer body is not downloaded further and the
    # check is down ("response body larger than 1 MiB").
    max_body_bytes: int = Field(default=1 << 20, ge=1)
    # Checks started per second against one target host (by name; the port is ignored) after a burst of
    # `host_burst`; 0: no limit. Per process: N checker replicas of a region allow a host N times this.
    host_rate_per_second: float = Field(default=10.0, ge=0)
    host_burst: int = Field(default=20, ge=1)
    # Longest a job waits for its host's turn (other hosts' checks go on meanwhile); a job whose turn is
    # further away is checked at once, counted (uptick_checks_over_host_rate_total) and logged, never dropped.
    # See `host_max_wait`.
    host_max_wait_seconds: float = Field(default=10.0, ge=0)

    @field_validator("region")
    @classmethod
    def _check_region(cls, value: str) -> str:
        if not value or not value.replace("-", "").isalnum() or not value.islower():
            raise ValueError(f"region {value!r}: lowercase letters, digits and '-' only")
        return value

    @field_validator("checker_allowed_networks", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        return parse_networks(value) if isinstance(value, str | list | tuple) else value

    @property
    def host_max_wait(self) -> float:
        """`host_max_wait_seconds`, cut so that a wait plus the longest check stays well inside `claim_idle_ms`:
        a job that waited longer would be taken over by another checker and checked twice."""
        return min(self.host_max_wait_seconds, (self.claim_idle_ms / 1000 - self.max_timeout_seconds) / 2)

    @model_validator(mode="after")
    def _claim_after_timeout(self) -> CheckerSettings:
        if self.claim_idle_ms <= self.max_timeout_seconds * 1000:
            raise ValueError(
                f"claim_idle_ms ({self.claim_idle_ms}) must exceed max_timeout_seconds "
                f"({self.max_timeout_seconds:g}s), or running checks would be taken over"
            )
        return self
