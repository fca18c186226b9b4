"""The check a monitor defines (`CheckSpec`): its type, the HTTP request options, what is up, the assertions.

Validated when the monitor is saved (a bad one is a 422) and carried whole in every job. Its fields are the
one list of a check's options: the monitors API, the table and the jobs all take them from here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from uptick_common.checks.assertions import Assertions, header_name
from uptick_common.checks.codes import DEFAULT_STATUS, status_items

MonitorType = Literal["http", "tcp", "tls", "heartbeat"]
# Heartbeat monitors are not checked from regions: a job of the user's pings them. Their results carry
# this region name, and it is their only region.
HEARTBEAT_REGION = "push"
Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

MAX_HEADERS, MAX_HEADER_BYTES, MAX_BODY_CHARS = 32, 8192, 65536

_CHECKER_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


def _request_headers(headers: dict[str, str]) -> dict[str, str]:
    """Bounded, well-formed, no duplicates. Messages name the header, never its value (it may be a secret)."""
    if len(headers) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers")
    seen: set[str] = set()
    for name, value in headers.items():
        header_name(name)
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
    expected_status: StatusCodes = Field(default_factory=lambda: list[int | str](DEFAULT_STATUS),
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


DEFAULT_SPEC = CheckSpec()  # a plain GET: most monitors'. Jobs leave it out (streams.CheckJob.fields).


@lru_cache(maxsize=4096)
def stored_spec(text: str) -> CheckSpec:
    """A monitor's `spec` column, as Postgres prints it, as its CheckSpec: validated once per definition (most
    monitors share a few, and Postgres prints equal jsonb as equal text), the default one as DEFAULT_SPEC
    itself. The API validated what it stored; one that is invalid all the same (written by hand, or by a later
    version) raises a ValidationError, and is not cached."""
    spec = CheckSpec.model_validate_json(text)
    return DEFAULT_SPEC if spec == DEFAULT_SPEC else spec
