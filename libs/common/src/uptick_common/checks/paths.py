"""JSON paths such as `data.items[0].status`: checked when an assertion is saved, walked when it is judged."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

MISSING: Any = object()  # what a path that leads nowhere finds (and a header that is not there)

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


def walk(document: Any, steps: Sequence[str | int]) -> Any:
    """What `steps` lead to in `document`, or MISSING."""
    node = document
    for step in steps:
        if isinstance(node, list) and (isinstance(step, int) or step.lstrip("-").isdigit()):
            index = int(step)
            if not -len(node) <= index < len(node):
                return MISSING
            node = node[index]
        elif isinstance(node, dict) and isinstance(step, str) and step in node:
            node = node[step]
        else:
            return MISSING
    return node
