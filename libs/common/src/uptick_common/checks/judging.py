"""Judging what a check saw against its assertions (the checker's). Never raises: an unmet assertion is a
failed `AssertionResult` that says what was found instead."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from uptick_common.checks.assertions import (
    Assertion,
    AssertionResult,
    BodyAssertion,
    CertExpiryAssertion,
    HeaderAssertion,
    JsonPathAssertion,
    ResponseTimeAssertion,
    StatusAssertion,
    as_number,
)
from uptick_common.checks.body import NOT_JSON, BodyScan
from uptick_common.checks.codes import status_matches
from uptick_common.checks.paths import MISSING, parse_path, walk


@dataclass
class Observed:
    """What one check saw. Header names are lower-case; repeated headers are joined with ", "."""

    latency_ms: int
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: BodyScan | None = None
    cert_days_left: float | None = None


def evaluate(assertions: Sequence[Assertion], seen: Observed) -> list[AssertionResult]:
    return [_JUDGES[type(a)](a, seen) for a in assertions]


def first_failure(results: Sequence[AssertionResult]) -> str | None:
    """`assertion failed: [BODY].status == UP (got "DOWN")` for the first failed one, else None."""
    for result in results:
        if not result.passed:
            return f"assertion failed: {result.assertion}" + (f" (got {result.got})" if result.got else "")
    return None


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))


def _same(actual: Any, expected: Any) -> bool:
    """Numbers by value (3 == 3.0), everything else by its text, so that "3" == 3 and "true" == true."""
    if not isinstance(actual, str) and not isinstance(expected, str):
        left, right = as_number(actual), as_number(expected)
        if left is not None and right is not None:
            return left == right
    return _plain(actual) == _plain(expected)


def _holds(op: str, actual: Any, expected: Any) -> bool:
    """Whether `actual op expected` holds; `actual` may be `MISSING`."""
    if op in ("exists", "not_exists"):
        return (actual is not MISSING) == (op == "exists")
    if actual is MISSING:
        return op == "not_contains"
    if op in ("==", "!="):
        return _same(actual, expected) == (op == "==")
    if op in ("contains", "not_contains"):
        if isinstance(actual, list):
            inside = any(_same(item, expected) for item in actual)
        else:
            inside = isinstance(actual, str) and _plain(expected) in actual
        return inside == (op == "contains")
    left, right = as_number(actual), as_number(expected)
    if left is None or right is None:
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _shown(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _result(assertion: Any, passed: bool, got: str | None) -> AssertionResult:
    return AssertionResult(assertion=assertion.condition(), passed=passed, got=None if passed else got)


def _status(a: StatusAssertion, seen: Observed) -> AssertionResult:
    if seen.status is None:
        return _result(a, False, "no HTTP status")
    if isinstance(a.value, list):
        passed = status_matches(seen.status, [str(v) for v in a.value]) == (a.op == "in")
    else:
        passed = _holds(a.op, seen.status, a.value)
    return _result(a, passed, str(seen.status))


def _response_time(a: ResponseTimeAssertion, seen: Observed) -> AssertionResult:
    return _result(a, _holds(a.op, seen.latency_ms, a.value), f"{seen.latency_ms}ms")


def _body(a: BodyAssertion, seen: Observed) -> AssertionResult:
    found = seen.body is not None and seen.body.found(a.value)
    return _result(a, found == (a.op == "contains"), "a match" if found else "no match")


def _json_path(a: JsonPathAssertion, seen: Observed) -> AssertionResult:
    document = seen.body.document() if seen.body is not None else NOT_JSON
    if document is NOT_JSON:
        return _result(a, False, "a body that is not JSON")
    actual = walk(document, parse_path(a.path))
    got = "nothing at that path" if actual is MISSING else _shown(actual)
    return _result(a, _holds(a.op, actual, a.value), got)


def _header(a: HeaderAssertion, seen: Observed) -> AssertionResult:
    actual = seen.headers.get(a.name.lower(), MISSING)
    got = "no such header" if actual is MISSING else _shown(actual)
    return _result(a, _holds(a.op, actual, a.value), got)


def _cert_expiry(a: CertExpiryAssertion, seen: Observed) -> AssertionResult:
    days = seen.cert_days_left
    if days is None:
        return _result(a, False, "no TLS certificate")
    return _result(a, _holds(a.op, days, a.value), f"{days:.1f}d" if days >= 0 else "expired")


_JUDGES: dict[type, Callable[[Any, Observed], AssertionResult]] = {
    StatusAssertion: _status, ResponseTimeAssertion: _response_time, BodyAssertion: _body,
    JsonPathAssertion: _json_path, HeaderAssertion: _header, CertExpiryAssertion: _cert_expiry,
}
