"""Gatus-style conditions, `[BODY].data.items[0].status == UP`: parsed into an assertion's data, and the
way an assertion's value is written back into one."""

from __future__ import annotations

import json
import math
import re
from typing import Any

Scalar = str | int | float | bool | None

_CONDITION = re.compile(r"\s*(?P<left>\S+)\s+(?P<op>==|!=|<=|>=|<|>|!?contains)\s+(?P<right>\S.*?)\s*")
_HAS = re.compile(r"has\((?P<subject>\S+)\)")
_ANY = re.compile(r"any\((?P<items>[^()]*)\)")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d)")
_DAYS_PER = {"s": 1 / 86400, "m": 1 / 1440, "h": 1 / 24, "d": 1.0}
_PLACEHOLDERS = "[STATUS], [RESPONSE_TIME], [BODY], [BODY].<path>, [HEADER].<name>, [CERTIFICATE_EXPIRATION]"
_BARE = re.compile(r"[^\s\"]+")
OP_TEXT = {"contains": "contains", "not_contains": "!contains"}  # an operator as a condition writes it


def scalar(text: str) -> Scalar:
    """A condition's right-hand side: JSON when it is JSON (a number, true, "quoted"), else the bare text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, float) and not math.isfinite(value):  # json.loads takes NaN and 1e999; JSON does not
        return text
    return value if isinstance(value, str | int | float | bool) or value is None else text


def literal(value: Any) -> str:
    """A value as a condition writes it: bare when it reads back as the same string, else JSON."""
    if isinstance(value, str) and _BARE.fullmatch(value) and scalar(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


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
    value = scalar(right)
    if kind == "body" and not isinstance(value, str):
        value = right
    return {**subject, "op": op, "value": value}
