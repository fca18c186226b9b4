"""Scanning a response body for what the assertions need, chunk by chunk as it is read (the checker's)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from uptick_common.checks.assertions import Assertion, BodyAssertion, JsonPathAssertion

NOT_JSON: Any = object()  # what document() is for a body that is not JSON
_UNPARSED: Any = object()


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
        self._document: Any = _UNPARSED

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
        """The body as JSON, parsed once; `NOT_JSON` when it is not JSON (or was not kept)."""
        if self._document is _UNPARSED:
            try:
                self._document = json.loads(bytes(self._kept)) if self._kept is not None else NOT_JSON
            except (ValueError, RecursionError):
                self._document = NOT_JSON
            self._kept = bytearray()  # the parsed document is all that is needed now
        return self._document
