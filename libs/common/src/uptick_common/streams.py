"""Stream names, consumer groups and the messages that travel on them: the contract between workers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Self, cast

from pydantic import BaseModel, ConfigDict, Field

from uptick_common.checks import AssertionResult, CheckSpec
from uptick_common.checks.spec import DEFAULT_SPEC

SCHEMA_VERSION = 1

CHECKS_GROUP = "checkers"
RESULTS_STREAM = "uptick:results"
RESULTS_GROUP = "ingest"
ALERTS_STREAM = "uptick:alerts"
ALERTS_GROUP = "notifier"


def checks_stream(region: str) -> str:
    """Jobs for one region; every checker of that region reads them through the `checkers` group."""
    return f"uptick:checks:{region}"


def dead_letter_stream(stream: str) -> str:
    """`uptick:checks:eu-west` → `uptick:dead:checks:eu-west`: where undeliverable messages are kept."""
    return "uptick:dead:" + stream.removeprefix("uptick:")


def job_id(monitor_id: int, region: str, scheduled_ms: int) -> str:
    """The identity of one check: the same monitor, region and scheduled time is the same job."""
    return f"{monitor_id}:{region}:{scheduled_ms}"


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    v: int = SCHEMA_VERSION

    def fields(self) -> dict[str, str]:
        """The Redis stream entry: one JSON field, so that a message is read whole or not at all."""
        return {"data": self.model_dump_json()}

    @classmethod
    def from_fields(cls, fields: Mapping[bytes, bytes] | Mapping[str, str]) -> Self:
        data = cast("Mapping[bytes | str, bytes | str]", fields)  # bytes as Redis answers, str as fields() made
        raw = data.get(b"data", data.get("data"))
        if raw is None:
            raise ValueError("message has no data field")
        return cls.model_validate_json(raw)


def _is_default(spec: CheckSpec) -> bool:
    return spec is DEFAULT_SPEC or spec == DEFAULT_SPEC  # `is` first: most jobs', ~1 µs cheaper than ==


class CheckJob(Message):
    """What the poller asks a region to check. It carries the whole definition: checkers never query Postgres."""

    job_id: str
    monitor_id: int
    region: str
    scheduled_ms: int = Field(description="when the check is due, ms since the epoch")
    url: str
    timeout_seconds: float
    # Most jobs leave the spec out (the default): they share one, not a new one validated per job (~3 µs each),
    # and the message is half the size with nothing for the checker to parse.
    spec: CheckSpec = Field(default_factory=lambda: DEFAULT_SPEC, exclude_if=_is_default,
                            description="type, HTTP options, assertions")
    confirm_failure: bool = Field(
        default=False, description="the region last saw the monitor up: re-check a failure once before it counts")


class CheckResult(Message):
    """What a checker found. A failed check is data (status down and a reason), not an exception."""

    job_id: str
    monitor_id: int
    region: str
    scheduled_ms: int
    checked_ms: int = Field(description="when the check started, ms since the epoch")
    status: Literal["up", "down"]
    http_status: int | None = None
    latency_ms: int | None = None
    error: str | None = None
    phases: Phases | None = None
    assertions: list[AssertionResult] | None = Field(default=None, description="None: not evaluated")


class Phases(BaseModel):
    """Where a check's time went, in ms (the total is `latency_ms`); None for a phase that did not happen.
    DNS, connect and TLS are summed over redirect hops; ttfb runs from the start of the check to the first
    byte of the final response."""

    dns_ms: int | None = None
    connect_ms: int | None = None
    tls_ms: int | None = None
    ttfb_ms: int | None = None
