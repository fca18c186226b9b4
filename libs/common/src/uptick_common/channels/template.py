"""Body templates: a channel's own JSON body, filled from the default body's values. No code runs.

A template is a JSON value (object, list, …), not text: whatever is filled in, the result is JSON, so its
validity is settled when the template is saved. In its strings, `{path}` is a value of the default body by
its dotted path (`{type}`, `{data.title}`, `{data.monitor.name}`, `{data.incident.cause}`); a string that is
exactly one placeholder takes the value as it is (`"{data.incidents}"` a list, `"{data.count}"` a number,
null when the event has none), else the value is written into the text (null as ""). `{{` and `}}` are
literal braces. A path the default body does not have is refused when the channel is saved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

MAX_BYTES = 8000
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}")
_MISSING = object()


def placeholders(template: Any) -> Iterator[str]:
    for text in _strings(template):
        for match in _TOKEN.finditer(text):
            if match.group(1):
                yield match.group(1)


def check(template: Any, known: Callable[[str], bool]) -> None:
    """ValueError with a clear message if the template is too big or names a value the body does not have
    (the message names neither: errors never echo what was sent)."""
    if len(json.dumps(template)) > MAX_BYTES:
        raise ValueError(f"must be at most {MAX_BYTES} bytes as JSON")
    for n, path in enumerate(placeholders(template), start=1):
        if not known(path):
            raise ValueError(f"placeholder {n} is not a value of the default body (see the README for them)")


def lookup(values: Any, path: str) -> Any:
    """The value at the dotted path, or _MISSING if the body has no such field (None where it is null)."""
    for part in path.split("."):
        if values is None:
            return None
        if not isinstance(values, dict) or part not in values:
            return _MISSING
        values = values[part]
    return values


def has(values: Any, path: str) -> bool:
    return lookup(values, path) is not _MISSING


def fill(template: Any, values: dict[str, Any]) -> Any:
    """The template with its placeholders filled from `values` (the default body)."""
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, values) for value in template]
    if not isinstance(template, str):
        return template
    whole = _TOKEN.fullmatch(template)
    if whole and whole.group(1):
        found = lookup(values, whole.group(1))
        return None if found is _MISSING else found
    return _TOKEN.sub(lambda m: _text(lookup(values, m.group(1))) if m.group(1) else m.group(0)[0], template)


def _text(value: Any) -> str:
    if value is None or value is _MISSING:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _strings(template: Any) -> Iterator[str]:
    if isinstance(template, dict):
        for value in template.values():
            yield from _strings(value)
    elif isinstance(template, list):
        for value in template:
            yield from _strings(value)
    elif isinstance(template, str):
        yield template
