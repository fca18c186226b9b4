"""Text from outside (a target's bytes, shown in a check's reason) made storable everywhere it goes.

A lone surrogate cannot be encoded as UTF-8 (the result could not be serialised for its stream) and NUL
cannot be stored in Postgres text or jsonb; both become U+FFFD, the replacement character, so that the
rest of what a target sent is still shown. The guard (guard.py) refuses the same characters from API users.
"""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    return _UNSTORABLE.sub("\ufffd", text)


def has_unstorable(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None
