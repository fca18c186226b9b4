"""Input every HTTP service refuses before a route sees it: what no column, stream or answer could hold.

Postgres text cannot hold NUL, UTF-8 cannot hold a lone surrogate, and JSON has no NaN or Infinity
(Python's parser accepts them, and `1e999` becomes an infinity), so such input would otherwise fail deep
inside a route, as a 500. Here it is a 422 in the shape every other 422 has (FastAPI's
`HTTPValidationError`: `{"detail": [{"type", "loc", "msg"}]}`), naming where the value was, never echoing
it. A body longer than the service takes is a 413, read no further than the limit.
"""

from __future__ import annotations

import json
from email.message import Message as EmailMessage
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from uptick_common.problems import invalid_input_body, json_response
from uptick_common.text import has_unstorable

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Refused(Exception):
    def __init__(self, loc: tuple[str | int, ...], msg: str, kind: str = "value_error") -> None:
        super().__init__(msg)
        self.loc, self.msg, self.kind = loc, msg, kind


class RequestGuard:
    """Pure ASGI middleware: checks path, query and JSON body, then hands the body on unchanged."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _check_text(scope["path"], ("path",))
            for name, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
                _check_text(name, ("query",))
                _check_text(value, ("query", name))
            if scope["method"] in BODY_METHODS:
                receive = await self._checked_body(scope, receive)
        except Refused as exc:
            await json_response(send, 422, invalid_input_body(exc.loc, exc.msg, exc.kind))
            return
        except _TooLarge:
            await json_response(send, 413, {"detail": f"the request body is over {self.max_body_bytes} bytes"})
            return
        await self.app(scope, receive, send)

    async def _checked_body(self, scope: Scope, receive: Receive) -> Receive:
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            raise _TooLarge
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                return _replay([message], receive)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _TooLarge
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and _is_json(_header(scope, b"content-type")):
            _check_json(body)
        return _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


class _TooLarge(Exception):
    pass


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()
    return replayed


def _header(scope: Scope, name: bytes) -> str | None:
    key: bytes
    value: bytes
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _is_json(content_type: str | None) -> bool:
    """What FastAPI parses as JSON: application/json or application/*+json (no content type: not JSON)."""
    if not content_type:
        return False
    message = EmailMessage()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def _not_json(constant: str) -> Any:
    raise Refused(("body",), f"{constant} is not a JSON number", "json_invalid")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise Refused(("body",), "a number is too large", "json_invalid")
    return value


def _check_json(body: bytes) -> None:
    try:
        document = json.loads(body.decode("utf-8"), parse_constant=_not_json, parse_float=_finite)
        _walk(document, ("body",))
    except UnicodeDecodeError:
        raise Refused(("body",), "the body is not UTF-8 text", "json_invalid") from None
    except RecursionError:
        raise Refused(("body",), "the body is nested too deeply", "json_invalid") from None
    except ValueError:  # not JSON (FastAPI's own 422 says where), or an integer of 4300+ digits
        pass


def _walk(value: Any, loc: tuple[str | int, ...]) -> None:
    if isinstance(value, str):
        _check_text(value, loc)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, loc)
            _walk(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, (*loc, index))


def _check_text(text: str, loc: tuple[str | int, ...]) -> None:
    if not has_unstorable(text):
        return
    if "\x00" in text:
        raise Refused(loc, "text must not contain NUL (\\u0000)")
    raise Refused(loc, "text must not contain a lone surrogate (\\ud800-\\udfff)")
