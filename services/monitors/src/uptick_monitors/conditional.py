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


def json_answer(request: Request, body: bytes, *, cache_control: str = "private, no-cache") -> Response:
    """A JSON answer with its ETag, or a 304 when the caller already has these bytes."""
    headers = {"ETag": etag_of(body), "Cache-Control": cache_control}
    if matches(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
