"""Input no route could store is a 422 in the documented shape before any route runs; a long body is a 413."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from uptick_common.api import RowId, create_app


class Thing(BaseModel):
    name: str
    tags: list[str] = []
    weight: float = 0


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield


def _app() -> FastAPI:
    app = create_app(service="test", prefix="/api", lifespan=_lifespan, max_body_bytes=5000)
    seen: list[object] = []
    app.state.seen = seen

    @app.post("/api/things/{thing_id}")
    async def make(thing_id: RowId, thing: Thing, q: str = "") -> dict[str, str]:
        seen.append(thing)
        return {"name": thing.name}

    @app.get("/api/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/api/old-style")
    async def old_style() -> None:
        raise HTTPException(422, "a rule of the route")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://test") as http:
        yield http


def _post(client: httpx.AsyncClient, body: bytes, path: str = "/api/things/1",
          content_type: str | None = "application/json") -> object:
    headers = {"content-type": content_type} if content_type else {}
    return client.post(path, content=body, headers=headers)


@pytest.mark.parametrize(("body", "loc", "msg"), [
    (b'{"name": "a\\u0000b"}', ["body", "name"], "NUL"),
    (b'{"name": "x", "tags": ["ok", "\\u0000"]}', ["body", "tags", 1], "NUL"),
    (b'{"name": "x", "a\\u0000": 1}', ["body"], "NUL"),
    (b'{"name": "\\ud800"}', ["body", "name"], "lone surrogate"),
    (b'{"name": "x", "weight": NaN}', ["body"], "NaN is not a JSON number"),
    (b'{"name": "x", "weight": -Infinity}', ["body"], "-Infinity is not a JSON number"),
    (b'{"name": "x", "weight": 1e999}', ["body"], "too large"),
    (b'\xff\xfe{}', ["body"], "not UTF-8"),
    (b"[" * 2400 + b"]" * 2400, ["body"], "nested too deeply"),
])
async def test_unstorable_json_is_422_in_the_list_shape(client: httpx.AsyncClient, body: bytes, loc: list,
                                                        msg: str) -> None:
    for content_type in ("application/json", "application/merge-patch+json"):
        answer = await _post(client, body, content_type=content_type)
        assert answer.status_code == 422, (body, content_type, answer.text)
        (error,) = answer.json()["detail"]
        assert error["loc"] == loc and msg in error["msg"] and error["type"] in ("value_error", "json_invalid")


async def test_the_path_and_the_query_are_checked_too(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/ping", params={"q": "a\x00"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "q"]
    answer = await client.get("/api/pi%00ng")
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["path"]
    too_big = await _post(client, b'{"name": "x"}', path=f"/api/things/{2**63}")
    assert too_big.status_code == 422 and too_big.json()["detail"][0]["loc"] == ["path", "thing_id"]


async def test_good_input_reaches_the_route_unchanged(client: httpx.AsyncClient) -> None:
    body = b'{"name": "caf\\u00e9 \\\\u0000 \\ud83d\\ude00", "weight": 1.5}'
    answer = await _post(client, body)
    assert answer.status_code == 200 and answer.json() == {"name": "café \\u0000 😀"}
    assert (await _post(client, b'{"name":', )).json()["detail"][0]["type"] == "json_invalid"  # FastAPI's own


async def test_a_long_body_is_413_and_never_reaches_the_route(client: httpx.AsyncClient) -> None:
    answer = await _post(client, b'{"name": "' + b"x" * 6000 + b'"}')
    assert answer.status_code == 413 and answer.json() == {"detail": "the request body is over 5000 bytes"}

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams in
        for _ in range(60):
            yield b" " * 100

    streamed = await client.post("/api/things/1", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert client._transport.app.state.seen == []  # type: ignore[attr-defined]


async def test_a_422_raised_with_a_message_still_has_the_list_shape(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/old-style")
    assert answer.status_code == 422
    assert answer.json() == {"detail": [{"type": "value_error", "loc": ["request"], "msg": "a rule of the route"}]}
    assert (await client.get("/api/nowhere")).json() == {"detail": "Not Found"}  # other errors as they were


async def test_every_operation_documents_its_error_shapes(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert schemas["Problem"]["properties"]["detail"]["type"] == "string"
    assert schemas["HTTPValidationError"]["properties"]["detail"]["type"] == "array"
    for path in document["paths"].values():
        for operation in path.values():
            responses = operation["responses"]
            assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("HTTPValidationError")
            assert responses["4XX"]["content"]["application/json"]["schema"]["$ref"].endswith("/Problem")
            assert "Retry-After" in responses["503"]["headers"]
