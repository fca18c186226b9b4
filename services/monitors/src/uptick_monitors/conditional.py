"""Conditional GETs: a strong ETag of an answer's bytes, and If-None-Match → 304 (RFC 9110 §13.1.2).

The dashboard polls the monitor list; when nothing changed, a 304 carries no body, so the browser neither
downloads nor parses the list again."""

from __future__ import annotations

import hashlib

from fastapi import Request
from fastapi.responses import Response


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def matches(request: Request, etag: str) -> bool:
    """If-None-Match: weak comparison, a list, or `*`."""
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag in tags


CACHE_CONTROL = "private, no-cache"


def not_modified(request: Request, etag: str) -> Response | None:
    """A 304 when the caller's If-None-Match names `etag` (known before the answer is built), else None."""
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL}) \
        if matches(request, etag) else None


def json_answer(request: Request, body: bytes, *, etag: str | None = None) -> Response:
    """A JSON answer with its ETag (by default of its bytes), or a 304 when the caller already has it."""
    etag = etag or etag_of(body)
    return not_modified(request, etag) or Response(body, media_type="application/json",
                                                   headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
