"""Error answers: one shape per kind, and the OpenAPI document that declares exactly those shapes.

A 422 is always FastAPI's `HTTPValidationError`, `{"detail": [{"type", "loc", "msg"}]}`, whether the
schema, the guard or a route's own rule refused the input; every other error is `{"detail": "<message>"}`
(`Problem`). The document says so for every operation, so that a client (or a fuzzer) can rely on it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import validation_error_definition, validation_error_response_definition
from starlette.types import Send

REF = "#/components/schemas/"
PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "string"}},
    "required": ["detail"],
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again",
                               "schema": {"type": "string"}}}


class InvalidInput(Exception):
    """Input that passed the schema but not a rule of the route's (a 422 in the list shape)."""

    def __init__(self, msg: str, loc: Sequence[str | int] = ("body",)) -> None:
        super().__init__(msg)
        self.msg, self.loc = msg, tuple(loc)


def invalid_input_body(loc: Sequence[str | int], msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"detail": [{"type": kind, "loc": list(loc), "msg": msg}]}


async def json_response(send: Send, status: int, body: dict[str, Any]) -> None:
    """An answer sent from ASGI middleware, before any route ran."""
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


def document_errors(app: FastAPI) -> None:
    """Every operation of `app` declares the errors any request may get: 422 (the list shape), any other 4xx
    and 503 (`Problem`, with Retry-After for 429 and 503)."""

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas.setdefault("ValidationError", validation_error_definition)
            schemas.setdefault("HTTPValidationError", validation_error_response_definition)
            schemas["Problem"] = PROBLEM_SCHEMA
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    _declare(operation["responses"])
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _declare(responses: dict[str, Any]) -> None:
    def problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
        answer: dict[str, Any] = {"description": description,
                                  "content": {"application/json": {"schema": {"$ref": REF + "Problem"}}}}
        if headers:
            answer["headers"] = headers
        return answer

    responses.setdefault("422", {"description": "Validation Error", "content": {
        "application/json": {"schema": {"$ref": REF + "HTTPValidationError"}}}})
    responses.setdefault("4XX", problem("Refused: not authenticated (401), not allowed (403), not found (404), "
                                        "in conflict (409), too large (413), too many (429, with Retry-After)"))
    responses.setdefault("503", problem("A dependency is unavailable, or the service is busy: try again",
                                        RETRY_AFTER))
