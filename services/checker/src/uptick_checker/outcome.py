"""What one check found, whatever its type: the checker's side of a `CheckResult`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from uptick_common.checks import AssertionResult
from uptick_common.streams import Phases


@dataclass(frozen=True)
class Outcome:
    status: Literal["up", "down"]
    http_status: int | None
    latency_ms: int
    error: str | None
    phases: Phases | None = None
    assertions: list[AssertionResult] | None = None  # None: not evaluated (no assertions, or no answer)
