"""Typed settings shared by every service: one object, built once, read from `UPTICK_*` variables."""

from __future__ import annotations

import socket
import time
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_REGIONS = ("eu-west", "us-east")


class CommonSettings(BaseSettings):
    """What every process needs: where Postgres and Redis are, and how to log."""

    model_config = SettingsConfigDict(env_prefix="UPTICK_", extra="ignore")

    env: Literal["dev", "test", "production"] = "dev"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/uptick"
    redis_url: str = "redis://127.0.0.1:6379/0"
    log_level: str = "info"
    log_format: Literal["auto", "json", "console"] = "auto"
    # Regions the poller schedules for and the API accepts; comma-separated in the environment.
    regions: Annotated[tuple[str, ...], NoDecode] = DEFAULT_REGIONS
    # Where users reach Uptick (the dashboard's origin): links in e-mails and notifications, and the origin
    # whose cookie-carried changes are accepted (CSRF).
    public_url: str = "http://127.0.0.1:8080"

    @field_validator("regions", mode="before")
    @classmethod
    def _split_regions(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("regions")
    @classmethod
    def _check_regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one region is required")
        for region in value:
            if not region.replace("-", "").isalnum() or not region.islower():
                raise ValueError(f"region {region!r}: lowercase letters, digits and '-' only")
        return value


class HistorySettings(CommonSettings):
    """How long check history is kept (`uptick-maintain` drops what is older; the API reads what is kept)."""

    # Raw ticks, in daily partitions dropped whole; minute rollups likewise. Hour and day rollups stay.
    tick_retention_days: int = Field(default=30, ge=1)
    minute_rollup_retention_days: int = Field(default=35, ge=3)  # the API reads the last 2 days from them
    # Daily partitions made this many days ahead of today.
    partitions_ahead_days: int = Field(default=7, ge=1, le=366)


class HttpServiceSettings(CommonSettings):
    """An HTTP service (auth, monitors): where it listens and how it verifies tokens."""

    host: str = "0.0.0.0"
    port: int = 8000
    jwt_public_key_file: str = ".run/keys/jwt-public.pem"
    # Secure cookies need HTTPS; the local dev stack is plain HTTP on 127.0.0.1.
    cookie_secure: bool | None = None

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production" if self.cookie_secure is None else self.cookie_secure


class WorkerSettings(CommonSettings):
    """A worker (poller, checker, ingest): health and metrics on a small port of its own."""

    health_host: str = "0.0.0.0"
    health_port: int = 9000
    # SIGTERM: stop taking work, let in-flight work finish for this long, then cancel the rest.
    shutdown_grace_seconds: float = 20.0
    # Entries older than this are trimmed from the streams a worker feeds or drains (0 keeps everything,
    # as the tests' ledger needs). Well above any claim_idle_ms, so that a dead consumer's messages are
    # reclaimed before they can be trimmed.
    stream_retention_seconds: int = 600

    def trim_before(self) -> str | None:
        """The stream id (ms since the epoch) before which entries are past retention, if any are."""
        if self.stream_retention_seconds <= 0:
            return None
        return f"{int((time.time() - self.stream_retention_seconds) * 1000)}-0"


class ConsumerSettings(WorkerSettings):
    """A worker that reads a stream through a consumer group (checker, ingest, and the notifier to come)."""

    # Unique per process in its group and stable per pod (its hostname): a restarted process first finishes
    # the messages it had been given.
    consumer_name: str = Field(default_factory=socket.gethostname)
    # A message pending this long on a silent consumer is taken over by another; must exceed the longest
    # time one message is worked on (a message kept while its dependency is away is kept claimed meanwhile).
    claim_idle_ms: int = Field(default=30_000, ge=1)
    # A message delivered more often than this (its consumers kept dying on it) goes to the dead letters.
    # Waiting for a dependency that is away never counts as a delivery.
    max_deliveries: int = Field(default=10, ge=1)
