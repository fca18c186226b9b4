from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
import structlog

from uptick_common.logging import configure_logging

from .conftest import EMAIL, PASSWORD


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


async def test_no_password_or_token_in_logs(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("auth", "debug", "json")  # here, so that its handler writes to capsys's stdout
    wrong_password = "not the right one at all"
    await client.post("/api/auth/signup", json={"email": EMAIL, "password": PASSWORD})
    await client.post("/api/auth/signup", json={"email": EMAIL, "password": PASSWORD})  # 409
    await client.post("/api/auth/signup", json={"email": "x@example.com", "password": "short"})  # 422
    await client.post("/api/auth/login", json={"email": EMAIL, "password": wrong_password})  # 401
    login = await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    token = login.json()["access_token"]
    await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})  # 401

    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    requests = [line for line in lines if line["event"] == "request"]
    assert [line["status"] for line in requests] == [201, 409, 422, 401, 200, 200, 204, 401]
    assert all(line["service"] == "auth" for line in lines)
    for secret in (PASSWORD, wrong_password, "short", token, token.split(".")[2]):
        assert secret not in captured.out
        assert secret not in captured.err
