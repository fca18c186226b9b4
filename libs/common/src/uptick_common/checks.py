"""What a check is and how its answer is judged, shared by the monitors API (validation) and the checker.

`CheckSpec` is a monitor's check beyond its URL and deadline: the type (http, tcp, tls), the HTTP
request options and the assertions. It is validated when the monitor is saved (a bad one is a 422) and
travels whole in every job. An assertion is data, e.g.
`{"type": "json_path", "path": "data.items[0].status", "op": "==", "value": "UP"}`, or a Gatus-style
condition string parsed into it, e.g. `[BODY].data.items[0].status == UP`. Judging a response never
raises: an unmet assertion is a failed `AssertionResult` that says what was found instead.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

MonitorType = Literal["http", "tcp", "tls", "heartbeat"]
# Heartbeat monitors are not checked from regions: a job of the user's pings them. Their results carry
# this region name, and it is their only region.
HEARTBEAT_REGION = "push"
Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
Order = Literal["<", "<=", ">", ">="]
ValueOp = Literal["==", "!=", "<", "<=", ">", ">=", "contains", "not_contains", "exists", "not_exists"]
Scalar = str | int | float | bool | None

DEFAULT_STATUS = ("200-399",)
MAX_ASSERTIONS, MAX_HEADERS, MAX_HEADER_BYTES, MAX_BODY_CHARS = 20, 32, 8192, 65536
_MISSING: Any = object()  # a path or header that is not there
_NOT_JSON: Any = object()


# --- Request options --------------------------------------------------------------------------------

_STATUS_ITEM = re.compile(r"([1-5]\d\d)(?:\s*-\s*([1-5]\d\d))?")


def status_items(items: Sequence[int | str]) -> list[str]:
    """`[200, "300-399"]` → `["200", "300-399"]`; anything else is a ValueError that says why."""
    normal = []
    for item in items:
        match = _STATUS_ITEM.fullmatch(str(item).strip())
        if match is None or isinstance(item, bool):
            raise ValueError(f"{str(item)[:20]!r} is not a status code (100-599) or a range such as 200-299")
        low, high = int(match[1]), int(match[2] or match[1])
        if low > high:
            raise ValueError(f"the range {low}-{high} is empty")
        normal.append(f"{low}-{high}" if high != low else str(low))
    return normal


def status_matches(code: int, items: Sequence[str]) -> bool:
    """Whether `code` is one of `items` (normalised codes and ranges)."""
    for item in items:
        low, _, high = item.partition("-")
        if int(low) <= code <= int(high or low):
            return True
    return False


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}")
_CHECKER_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


def _header_name(name: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"{name[:40]!r} is not a valid header name")
    return name


def _request_headers(headers: dict[str, str]) -> dict[str, str]:
    """Bounded, well-formed, no duplicates. Messages name the header, never its value (it may be a secret)."""
    if len(headers) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers")
    seen: set[str] = set()
    for name, value in headers.items():
        _header_name(name)
        if name.lower() in _CHECKER_HEADERS:
            raise ValueError(f"the {name} header is set by the checker")
        if name.lower() in seen:
            raise ValueError(f"the {name} header is given twice")
        seen.add(name.lower())
        if any(ord(c) < 32 and c != "\t" or ord(c) == 127 for c in value):
            raise ValueError(f"the value of the {name} header holds control characters")
    if sum(len(n) + len(v.encode()) for n, v in headers.items()) > MAX_HEADER_BYTES:
        raise ValueError(f"headers take at most {MAX_HEADER_BYTES} bytes")
    return headers


StatusCodes = Annotated[list[int | str], Field(min_length=1, max_length=32), AfterValidator(status_items)]
RequestHeaders = Annotated[dict[str, str], AfterValidator(_request_headers)]
RequestBody = Annotated[str, StringConstraints(max_length=MAX_BODY_CHARS, strip_whitespace=False)]
HttpMethod = Annotated[Method, BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v)]
WarnDays = Annotated[int, Field(ge=0, le=365, description="tls monitors: down with fewer days left")]
GraceSeconds = Annotated[int, Field(ge=0, le=86_400, description="heartbeat monitors: how late a ping may be")]


# --- JSON paths -------------------------------------------------------------------------------------

_KEY, _INDEX = r"[^.\[\]\s]+", r"\[-?\d{1,9}\]"
_PATH = re.compile(rf"(?:{_KEY}|{_INDEX})(?:\.{_KEY}|{_INDEX})*")
_STEP = re.compile(rf"({_KEY})|\[(-?\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """`data.items[0].status` → `["data", "items", 0, "status"]`: keys and list indexes, nothing else."""
    if len(path) > 256 or not _PATH.fullmatch(path):
        raise ValueError(f"{path[:60]!r} is not a path such as data.items[0].status")
    steps: list[str | int] = [m[1] if m[1] is not None else int(m[2]) for m in _STEP.finditer(path)]
    if len(steps) > 32:
        raise ValueError("a path has at most 32 steps")
    return steps


def _walk(document: Any, steps: Sequence[str | int]) -> Any:
    node = document
    for step in steps:
        if isinstance(node, list) and (isinstance(step, int) or step.lstrip("-").isdigit()):
            index = int(step)
            if not -len(node) <= index < len(node):
                return _MISSING
            node = node[index]
        elif isinstance(node, dict) and isinstance(step, str) and step in node:
            node = node[step]
        else:
            return _MISSING
    return node


# --- What a check saw, and judging it ---------------------------------------------------------------

class BodyScan:
    """What the assertions need from a response body, fed chunk by chunk: whether each keyword occurs
    (found across chunk boundaries), and the bytes themselves only when a JSON path must be read. The
    reader bounds how much is fed."""

    def __init__(self, assertions: Sequence[Assertion]) -> None:
        self._found = {a.value.encode(): False for a in assertions if isinstance(a, BodyAssertion)}
        self._overlap = max(map(len, self._found), default=1) - 1
        self._tail = b""
        wants_json = any(isinstance(a, JsonPathAssertion) for a in assertions)
        self._kept: bytearray | None = bytearray() if wants_json else None
        self._document: Any = _MISSING

    def feed(self, chunk: bytes) -> None:
        if self._found:
            window = self._tail + chunk
            for keyword, found in self._found.items():
                if not found and keyword in window:
                    self._found[keyword] = True
            self._tail = window[-self._overlap:] if self._overlap else b""
        if self._kept is not None:
            self._kept += chunk

    def found(self, keyword: str) -> bool:
        return self._found.get(keyword.encode(), False)

    def document(self) -> Any:
        """The body as JSON, parsed once; `_NOT_JSON` when it is not JSON (or was not kept)."""
        if self._document is _MISSING:
            try:
                self._document = json.loads(bytes(self._kept)) if self._kept is not None else _NOT_JSON
            except (ValueError, RecursionError):
                self._document = _NOT_JSON
            self._kept = bytearray()  # the parsed document is all that is needed now
        return self._document


@dataclass
class Observed:
    """What one check saw. Header names are lower-case; repeated headers are joined with ", "."""

    latency_ms: int
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: BodyScan | None = None
    cert_days_left: float | None = None


class AssertionResult(BaseModel):
    assertion: str = Field(description="the assertion as a condition, e.g. `[BODY].status == UP`")
    passed: bool
    got: str | None = Field(default=None, description="what was found instead, when it failed")


def evaluate(assertions: Sequence[Assertion], seen: Observed) -> list[AssertionResult]:
    return [a.judge(seen) for a in assertions]


def first_failure(results: Sequence[AssertionResult]) -> str | None:
    """`assertion failed: [BODY].status == UP (got "DOWN")` for the first failed one, else None."""
    for result in results:
        if not result.passed:
            return f"assertion failed: {result.assertion}" + (f" (got {result.got})" if result.got else "")
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))


def _same(actual: Any, expected: Any) -> bool:
    """Numbers by value (3 == 3.0), everything else by its text, so that "3" == 3 and "true" == true."""
    if not isinstance(actual, str) and not isinstance(expected, str):
        left, right = _number(actual), _number(expected)
        if left is not None and right is not None:
            return left == right
    return _plain(actual) == _plain(expected)


def _holds(op: str, actual: Any, expected: Any) -> bool:
    """Whether `actual op expected` holds; `actual` may be `_MISSING`."""
    if op in ("exists", "not_exists"):
        return (actual is not _MISSING) == (op == "exists")
    if actual is _MISSING:
        return op == "not_contains"
    if op in ("==", "!="):
        return _same(actual, expected) == (op == "==")
    if op in ("contains", "not_contains"):
        if isinstance(actual, list):
            inside = any(_same(item, expected) for item in actual)
        else:
            inside = isinstance(actual, str) and _plain(expected) in actual
        return inside == (op == "contains")
    left, right = _number(actual), _number(expected)
    if left is None or right is None:
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _shown(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_BARE = re.compile(r"[^\s\"]+")


def _literal(value: Any) -> str:
    """A value as a condition writes it: bare when it reads back as the same string, else JSON."""
    if isinstance(value, str) and _BARE.fullmatch(value) and _scalar(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _value_fits(op: str, value: Any) -> None:
    if op in ("<", "<=", ">", ">=") and _number(value) is None:
        raise ValueError(f"{op} compares numbers: the value must be a number")
    if op in ("exists", "not_exists") and value is not None:
        raise ValueError(f"{op} takes no value")
    if op in ("contains", "not_contains") and value is None:
        raise ValueError(f"{op} needs a value")


# --- Assertions -------------------------------------------------------------------------------------

class _Assertion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def condition(self) -> str:
        raise NotImplementedError

    def judge(self, seen: Observed) -> AssertionResult:
        raise NotImplementedError

    def _result(self, passed: bool, got: str | None) -> AssertionResult:
        return AssertionResult(assertion=self.condition(), passed=passed, got=None if passed else got)


class StatusAssertion(_Assertion):
    type: Literal["status"]
    op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in"]
    value: int | list[int | str] = Field(description="a code, or for in/not_in a list of codes and ranges")

    @model_validator(mode="after")
    def _value_fits_op(self) -> StatusAssertion:
        if self.op in ("in", "not_in"):
            if not isinstance(self.value, list) or not 1 <= len(self.value) <= 32:
                raise ValueError(f"{self.op} takes a list of 1 to 32 codes or ranges such as 200-299")
            self.value = list(status_items(self.value))
        elif not isinstance(self.value, int) or not 100 <= self.value <= 599:
            raise ValueError(f"{self.op} takes one status code (100-599)")
        return self

    def condition(self) -> str:
        if isinstance(self.value, list):
            return f"[STATUS] {'==' if self.op == 'in' else '!='} any({', '.join(map(str, self.value))})"
        return f"[STATUS] {self.op} {self.value}"

    def judge(self, seen: Observed) -> AssertionResult:
        if seen.status is None:
            return self._result(False, "no HTTP status")
        if isinstance(self.value, list):
            passed = status_matches(seen.status, [str(v) for v in self.value]) == (self.op == "in")
        else:
            passed = _holds(self.op, seen.status, self.value)
        return self._result(passed, str(seen.status))


class ResponseTimeAssertion(_Assertion):
    type: Literal["response_time"]
    op: Order
    value: int = Field(ge=0, le=3_600_000, description="milliseconds")

    def condition(self) -> str:
        return f"[RESPONSE_TIME] {self.op} {self.value}"

    def judge(self, seen: Observed) -> AssertionResult:
        return self._result(_holds(self.op, seen.latency_ms, self.value), f"{seen.latency_ms}ms")


class BodyAssertion(_Assertion):
    type: Literal["body"]
    op: Literal["contains", "not_contains"]
    value: str = Field(min_length=1, max_length=1024, description="text searched for in the body")

    def condition(self) -> str:
        return f"[BODY] {'contains' if self.op == 'contains' else '!contains'} {_literal(self.value)}"

    def judge(self, seen: Observed) -> AssertionResult:
        found = seen.body is not None and seen.body.found(self.value)
        return self._result(found == (self.op == "contains"), "a match" if found else "no match")


class JsonPathAssertion(_Assertion):
    type: Literal["json_path"]
    path: str = Field(description="keys and indexes, e.g. data.items[0].status")
    op: ValueOp
    value: Scalar = None

    @model_validator(mode="after")
    def _valid(self) -> JsonPathAssertion:
        parse_path(self.path)
        _value_fits(self.op, self.value)
        return self

    def condition(self) -> str:
        subject = "[BODY]" + ("" if self.path.startswith("[") else ".") + self.path
        if self.op in ("exists", "not_exists"):
            return f"has({subject}) == {'true' if self.op == 'exists' else 'false'}"
        return f"{subject} {_OP_TEXT.get(self.op, self.op)} {_literal(self.value)}"

    def judge(self, seen: Observed) -> AssertionResult:
        document = seen.body.document() if seen.body is not None else _NOT_JSON
        if document is _NOT_JSON:
            return self._result(False, "a body that is not JSON")
        actual = _walk(document, parse_path(self.path))
        got = "nothing at that path" if actual is _MISSING else _shown(actual)
        return self._result(_holds(self.op, actual, self.value), got)


class HeaderAssertion(_Assertion):
    type: Literal["header"]
    name: Annotated[str, AfterValidator(_header_name)] = Field(description="a response header, any case")
    op: ValueOp
    value: str | int | float | None = None

    @model_validator(mode="after")
    def _valid(self) -> HeaderAssertion:
        _value_fits(self.op, self.value)
        return self

    def condition(self) -> str:
        if self.op in ("exists", "not_exists"):
            return f"has([HEADER].{self.name}) == {'true' if self.op == 'exists' else 'false'}"
        return f"[HEADER].{self.name} {_OP_TEXT.get(self.op, self.op)} {_literal(self.value)}"

    def judge(self, seen: Observed) -> AssertionResult:
        actual = seen.headers.get(self.name.lower(), _MISSING)
        got = "no such header" if actual is _MISSING else _shown(actual)
        return self._result(_holds(self.op, actual, self.value), got)


class CertExpiryAssertion(_Assertion):
    type: Literal["cert_expiry"]
    op: Order
    value: float = Field(ge=0, le=3650, description="days the certificate has left")

    def condition(self) -> str:
        return f"[CERTIFICATE_EXPIRATION] {self.op} {self.value:g}d"

    def judge(self, seen: Observed) -> AssertionResult:
        days = seen.cert_days_left
        if days is None:
            return self._result(False, "no TLS certificate")
        return self._result(_holds(self.op, days, self.value), f"{days:.1f}d" if days >= 0 else "expired")


_OP_TEXT = {"contains": "contains", "not_contains": "!contains"}
Assertion = Annotated[
    StatusAssertion | ResponseTimeAssertion | BodyAssertion | JsonPathAssertion | HeaderAssertion
    | CertExpiryAssertion,
    Field(discriminator="type"),
]


# --- Gatus-style conditions -------------------------------------------------------------------------

_CONDITION = re.compile(r"\s*(?P<left>\S+)\s+(?P<op>==|!=|<=|>=|<|>|!?contains)\s+(?P<right>\S.*?)\s*")
_HAS = re.compile(r"has\((?P<subject>\S+)\)")
_ANY = re.compile(r"any\((?P<items>[^()]*)\)")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d)")
_DAYS_PER = {"s": 1 / 86400, "m": 1 / 1440, "h": 1 / 24, "d": 1.0}
_PLACEHOLDERS = "[STATUS], [RESPONSE_TIME], [BODY], [BODY].<path>, [HEADER].<name>, [CERTIFICATE_EXPIRATION]"


def _scalar(text: str) -> Scalar:
    """A condition's right-hand side: JSON when it is JSON (a number, true, "quoted"), else the bare text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, str | int | float | bool) or value is None else text


def _subject(left: str) -> dict[str, Any]:
    plain = {"[STATUS]": "status", "[RESPONSE_TIME]": "response_time", "[BODY]": "body",
             "[CERTIFICATE_EXPIRATION]": "cert_expiry"}
    if left.upper() in plain:
        return {"type": plain[left.upper()]}
    if left.upper().startswith("[BODY]"):
        return {"type": "json_path", "path": left[len("[BODY]"):].removeprefix(".")}
    if left.upper().startswith("[HEADER]."):
        return {"type": "header", "name": left[len("[HEADER]."):]}
    raise ValueError(f"unknown placeholder {left[:40]!r}; known: {_PLACEHOLDERS}")


def parse_condition(text: str) -> dict[str, Any]:
    """`[BODY].status == UP` → `{"type": "json_path", "path": "status", "op": "==", "value": "UP"}`.

    The structure is checked here; values and operators are checked by the assertion models."""
    match = _CONDITION.fullmatch(text) if len(text) <= 2048 else None
    if match is None:
        raise ValueError(f"{text[:60]!r} is not a condition such as `[STATUS] == 200` (spaces around the operator)")
    left, op, right = match["left"], match["op"], match["right"]
    op = {"contains": "contains", "!contains": "not_contains"}.get(op, op)
    if has := _HAS.fullmatch(left):
        if op not in ("==", "!=") or right not in ("true", "false"):
            raise ValueError("has(…) is compared with == true or == false")
        subject = _subject(has["subject"])
        if subject["type"] not in ("json_path", "header"):
            raise ValueError("has(…) takes [BODY].<path> or [HEADER].<name>")
        return {**subject, "op": "exists" if (right == "true") == (op == "==") else "not_exists"}
    subject = _subject(left)
    kind = subject["type"]
    if kind == "status" and (listed := _ANY.fullmatch(right)):
        if op not in ("==", "!="):
            raise ValueError("any(…) is compared with == or !=")
        return {**subject, "op": "in" if op == "==" else "not_in", "value": listed["items"].split(",")}
    if kind == "cert_expiry":
        duration = _DURATION.fullmatch(right)
        if duration is None:
            raise ValueError(f"{right[:20]!r} is not a duration such as 48h or 30d")
        return {**subject, "op": op, "value": float(duration[1]) * _DAYS_PER[duration[2]]}
    if kind == "response_time":
        right = right.removesuffix("ms")
    value = _scalar(right)
    if kind == "body" and not isinstance(value, str):
        value = right
    return {**subject, "op": op, "value": value}


def _from_text(value: Any) -> Any:
    return parse_condition(value) if isinstance(value, str) else value


Assertions = Annotated[list[Annotated[Assertion, BeforeValidator(_from_text)]], Field(max_length=MAX_ASSERTIONS)]


# --- The check a monitor defines --------------------------------------------------------------------

_APPLIES = {
    "http": ("status", "response_time", "body", "json_path", "header", "cert_expiry"),
    "tcp": ("response_time",),
    "tls": ("response_time", "cert_expiry"),
    "heartbeat": (),
}


class CheckSpec(BaseModel):
    """How a monitor's target is checked, beyond its URL and deadline. The HTTP options only matter to
    `http` monitors; `tls_warn_days` only to `tls` ones. Defaults are a plain GET, 200-399 up."""

    # Frozen: every job without a spec of its own shares one default (streams.DEFAULT_SPEC).
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: MonitorType = "http"
    method: HttpMethod = "GET"
    # Values may be secrets (tokens): never in a repr, a log line or an error message.
    headers: RequestHeaders = Field(default_factory=dict, repr=False, description="request headers")
    body: RequestBody | None = Field(default=None, repr=False, description="request body")
    follow_redirects: bool = True
    expected_status: StatusCodes = Field(default_factory=lambda: list(DEFAULT_STATUS),
                                         description='codes and ranges that are up, e.g. [200, "300-399"]')
    verify_tls: bool = True
    assertions: Assertions = Field(default_factory=list, description="all must hold for the check to be up")
    tls_warn_days: WarnDays = 14
    grace_seconds: GraceSeconds = 0

    @model_validator(mode="after")
    def _assertions_apply(self) -> CheckSpec:
        allowed = _APPLIES[self.type]
        for assertion in self.assertions:
            if assertion.type not in allowed:
                raise ValueError(f"a {assertion.type} assertion does not apply to a {self.type} monitor "
                                 f"(it takes {', '.join(allowed)})")
        return self


_HOST = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,252}|[0-9A-Fa-f:.]{2,45}")


def socket_address(target: str) -> tuple[str, int]:
    """`tcp://db.example.com:5432`, `tls://[2001:db8::1]:443` or `host:port` → (host, port)."""
    rest = target.split("://", 1)[1] if "://" in target else target
    try:
        parts = urlsplit("//" + rest)
        host, port = parts.hostname or "", parts.port or 0
    except ValueError:
        parts, host, port = None, "", 0
    if parts is None or not _HOST.fullmatch(host) or not port or parts.path or parts.query or parts.fragment \
            or parts.username is not None:
        raise ValueError(f"{target[:80]!r} is not host:port")
    return host, port
