"""The notifier's settings: one typed object read from `UPTICK_*` variables."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from uptick_common.netguard import IPNetwork, parse_networks
from uptick_common.settings import WorkerSettings
from uptick_notifier.storm import Gathering


class NotifierSettings(WorkerSettings):
    health_port: int = 9000
    # Networks deliveries may reach although they are not public (loopback for a local stack); empty in
    # production, as for the checker. Named for its variable, UPTICK_NOTIFIER_ALLOWED_NETWORKS.
    notifier_allowed_networks: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    # One attempt (resolving, connecting, sending, reading the answer) ends after this.
    attempt_timeout_seconds: float = Field(default=10.0, gt=0)
    # A claimed notification not reported back within this (its notifier died) is sent again, same key.
    lease_seconds: float = Field(default=60.0, gt=0)
    # Attempts before a notification stops as failed; between them exponential backoff with jitter.
    max_attempts: int = Field(default=8, ge=1)
    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_cap_seconds: float = Field(default=900.0, gt=0)
    # Notifications sent at once (each holds no database connection while it is sent).
    concurrency: int = Field(default=20, ge=1)
    # How often the outbox is looked at when it was empty; how often due reminders and escalations are.
    poll_seconds: float = Field(default=0.5, gt=0)
    reminder_check_seconds: float = Field(default=5.0, gt=0)
    # How often regions are looked at for a silence starting or ending (uptick_notifier.regions).
    region_check_seconds: float = Field(default=10.0, gt=0)
    # Storms (uptick_notifier.storm): an incident's notification waits this long for others of its event and
    # channel; more than `storm_threshold` waiting together go as one grouped notification; while a storm
    # lasts, the next group follows the last one by `storm_hold_seconds` (the longest a member waits).
    storm_gather_seconds: float = Field(default=1.0, ge=0, le=60)
    storm_threshold: int = Field(default=3, ge=1)
    storm_hold_seconds: float = Field(default=20.0, ge=0, le=600)

    @field_validator("notifier_allowed_networks", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        return parse_networks(value) if isinstance(value, str | list | tuple) else value

    @property
    def gathering(self) -> Gathering:
        return Gathering(self.storm_gather_seconds, self.storm_threshold, self.storm_hold_seconds)

    @model_validator(mode="after")
    def _lease_after_timeout(self) -> NotifierSettings:
        if self.lease_seconds <= self.attempt_timeout_seconds:
            raise ValueError(f"lease_seconds ({self.lease_seconds:g}) must exceed attempt_timeout_seconds "
                             f"({self.attempt_timeout_seconds:g}), or notifications in flight would be sent twice")
        return self
