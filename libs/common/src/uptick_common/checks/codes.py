"""HTTP status codes and ranges as a monitor lists them (`[200, "300-399"]`): normalised, and matched."""

from __future__ import annotations

import re
from collections.abc import Sequence

DEFAULT_STATUS = ("200-399",)

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
