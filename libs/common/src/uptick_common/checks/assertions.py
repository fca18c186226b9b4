"""Assertions are data, e.g. `{"type": "json_path", "path": "data.items[0].status", "op": "==", "value": "UP"}`,
or a Gatus-style condition parsed into it (conditions.py). Validated when the monitor is saved, so that a bad
one is a 422 and never a crash in the checker; each reads back as its condition. Judging them is judging.py's.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from uptick_common.checks.codes import status_items
from uptick_common.checks.conditions import OP_TEXT, Scalar, literal, parse_condition
from uptick_common.checks.paths import parse_path

Order = Literal["<", "<=", ">", ">="]
ValueOp = Literal["==", "!=", "<", "<=", ">", ">=", "contains", "not_contains", "exists", "not_exists"]
MAX_ASSERTIONS = 20

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}")


def header_name(name: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"{name[:40]!r} is not a valid header name")
    return name


def as_number(value: Any) -> float | None:
    """A finite number, from a number or its text; None for anything else (booleans included)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _value_fits(op: str, value: Any) -> None:
    if op in ("<", "<=", ">", ">=") and as_number(value) is None:
        raise ValueError(f"{op} compares numbers: the value must be a number")
    if op in ("exists", "not_exists") and value is not None:
        raise ValueError(f"{op} takes no value")
    if op in ("contains", "not_contains") and value is None:
        raise ValueError(f"{op} needs a value")


class AssertionResult(BaseModel):
    assertion: str = Field(description="the assertion as a condition, e.g. `[BODY].status == UP`")
    passed: bool
    got: str | None = Field(default=None, description="what was found instead, when it failed")


class _Assertion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def condition(self) -> str:
        raise NotImplementedError


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


class _Measured(_Assertion):
    """A number the check measured, ordered against a bound: `[RESPONSE_TIME] < 300`."""

    placeholder: ClassVar[str]
    unit: ClassVar[str] = ""
    if TYPE_CHECKING:
        op: Order
        value: float

    def condition(self) -> str:
        amount = self.value if isinstance(self.value, int) else f"{self.value:g}"
        return f"{self.placeholder} {self.op} {amount}{self.unit}"


class ResponseTimeAssertion(_Measured):
    placeholder = "[RESPONSE_TIME]"
    type: Literal["response_time"]
    op: Order
    value: int = Field(ge=0, le=3_600_000, description="milliseconds")


class BodyAssertion(_Assertion):
    type: Literal["body"]
    op: Literal["contains", "not_contains"]
    value: str = Field(min_length=1, max_length=1024, description="text searched for in the body")

    def condition(self) -> str:
        return f"[BODY] {OP_TEXT[self.op]} {literal(self.value)}"


class _Compared(_Assertion):
    """An assertion on a value found in the response (a JSON path's, a header's): compared, or only looked for."""

    if TYPE_CHECKING:  # declared by each subclass, in its own field order (the order of its JSON)
        op: ValueOp
        value: Any

    @model_validator(mode="after")
    def _valid(self) -> _Compared:
        self._check_subject()
        _value_fits(self.op, self.value)
        return self

    def _check_subject(self) -> None:
        pass

    def subject(self) -> str:
        raise NotImplementedError

    def condition(self) -> str:
        if self.op in ("exists", "not_exists"):
            return f"has({self.subject()}) == {'true' if self.op == 'exists' else 'false'}"
        return f"{self.subject()} {OP_TEXT.get(self.op, self.op)} {literal(self.value)}"


class JsonPathAssertion(_Compared):
    type: Literal["json_path"]
    path: str = Field(description="keys and indexes, e.g. data.items[0].status")
    op: ValueOp
    value: Scalar = None

    def _check_subject(self) -> None:
        parse_path(self.path)

    def subject(self) -> str:
        return "[BODY]" + ("" if self.path.startswith("[") else ".") + self.path


class HeaderAssertion(_Compared):
    type: Literal["header"]
    name: Annotated[str, AfterValidator(header_name)] = Field(description="a response header, any case")
    op: ValueOp
    value: str | int | float | None = None

    def subject(self) -> str:
        return f"[HEADER].{self.name}"


class CertExpiryAssertion(_Measured):
    placeholder, unit = "[CERTIFICATE_EXPIRATION]", "d"
    type: Literal["cert_expiry"]
    op: Order
    value: float = Field(ge=0, le=3650, description="days the certificate has left")


Assertion = Annotated[
    StatusAssertion | ResponseTimeAssertion | BodyAssertion | JsonPathAssertion | HeaderAssertion
    | CertExpiryAssertion,
    Field(discriminator="type"),
]


def _from_text(value: Any) -> Any:
    return parse_condition(value) if isinstance(value, str) else value


Assertions = Annotated[list[Annotated[Assertion, BeforeValidator(_from_text)]], Field(max_length=MAX_ASSERTIONS)]
