"""What one check found, whatever its type: the checker's side of a `CheckResult`, and the frame every
check type runs in (`judge`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from uptick_checker.phases import Timeline
from uptick_checker.reasons import BodyFailed, describe
from uptick_common.checks import Assertion, AssertionResult
from uptick_common.checks.judging import Observed, evaluate, first_failure
from uptick_common.streams import CheckJob, CheckResult, Phases
from uptick_common.text import has_unstorable, storable


@dataclass(frozen=True)
class Outcome:
    status: Literal["up", "down"]
    http_status: int | None
    latency_ms: int
    error: str | None
    phases: Phases | None = None
    assertions: list[AssertionResult] | None = None  # None: not evaluated (no assertions, or no answer)


def _nothing_wrong(_: Observed) -> str | None:
    return None


async def judge(observe: Callable[[Timeline], Awaitable[Observed]], timeout_seconds: float,
                assertions: Sequence[Assertion], verdict: Callable[[Observed], str | None] = _nothing_wrong,
                ) -> Outcome:
    """Run `observe` under one deadline for all of it, timed by the check's timeline, then judge what it
    saw: `verdict` (the type's own rule, e.g. the expected status) and every assertion, which are recorded
    whenever there was an answer. Never raises for anything the target does: whatever `observe` raises is a
    `down` outcome with its reason."""
    timeline = Timeline()
    token = timeline.track()
    deadline = asyncio.timeout(timeout_seconds)
    seen: Observed | None = None
    http_status: int | None = None
    try:
        async with deadline:
            seen = await observe(timeline)
        http_status = seen.status
        error = verdict(seen)
    except Exception as exc:  # noqa: BLE001 - whatever the target did, it is a down result
        error = f"timeout after {timeout_seconds:g}s" if deadline.expired() else describe(exc)
        http_status = exc.http_status if isinstance(exc, BodyFailed) else None
    finally:
        timeline.untrack(token)
    latency_ms = timeline.elapsed_ms()
    results = None
    if seen is not None and assertions:
        seen.latency_ms = latency_ms
        results = evaluate(assertions, seen)
        error = error or first_failure(results)
    return Outcome("up" if error is None else "down", http_status, latency_ms, _storable(error), timeline.phases(),
                   _storable_results(results))


def _storable(error: str | None) -> str | None:
    """A reason may quote the target's bytes (a status line, a header, a JSON value): whatever they were,
    the result must serialise and store, or the job would be retried forever and the monitor keep its
    last status (see uptick_common.text)."""
    return storable(error) if error is not None else None


def _storable_results(results: list[AssertionResult] | None) -> list[AssertionResult] | None:
    if results is None or not any(r.got is not None and has_unstorable(r.got) for r in results):
        return results
    return [r.model_copy(update={"got": _storable(r.got)}) for r in results]


def result_of(job: CheckJob, outcome: Outcome, checked_ms: int) -> CheckResult:
    """The message a checked job becomes."""
    return CheckResult.model_construct(  # made of values already valid: not validated again
        job_id=job.job_id, monitor_id=job.monitor_id, region=job.region, scheduled_ms=job.scheduled_ms,
        checked_ms=checked_ms, status=outcome.status, http_status=outcome.http_status,
        latency_ms=outcome.latency_ms, error=outcome.error, phases=outcome.phases, assertions=outcome.assertions,
    )
