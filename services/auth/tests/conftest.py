from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from uptick_auth.main import app
from uptick_devstack.mailsink import MailSink

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def auth_env(
    monkeypatch: pytest.MonkeyPatch, database_url: str, redis_url: str, jwt_keys: tuple[Path, Path],
    mail_sink: MailSink,
) -> None:
    monkeypatch.setenv("UPTICK_ENV", "test")
    monkeypatch.setenv("UPTICK_DATABASE_URL", database_url)
    monkeypatch.setenv("UPTICK_REDIS_URL", redis_url)
    monkeypatch.setenv("UPTICK_JWT_PRIVATE_KEY_FILE", str(jwt_keys[0]))
    monkeypatch.setenv("UPTICK_JWT_PUBLIC_KEY_FILE", str(jwt_keys[1]))
    monkeypatch.delenv("UPTICK_COOKIE_SECURE", raising=False)
    for name in ("LOGIN_MAX_FAILURES", "LOGIN_MAX_FAILURES_PER_ADDRESS", "SIGNUP_MAX_PER_ADDRESS",
                 "PASSWORD_HASH_CONCURRENCY", "PASSWORD_HASH_QUEUE"):
        monkeypatch.delenv(f"UPTICK_{name}", raising=False)


@pytest.fixture
async def client(auth_env: None) -> AsyncIterator[httpx.AsyncClient]:
    """The auth app with its lifespan run, seen by a client on http://auth.test."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://auth.test") as http:
            yield http


@pytest.fixture
async def user(client: httpx.AsyncClient) -> dict:
    """Ada's account, as the sign-up answered it."""
    response = await client.post("/api/auth/signup", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def token(client: httpx.AsyncClient, user: dict) -> str:
    """An access token of Ada's; the log-in's cookie is dropped so that each test says how it authenticates."""
    response = await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return response.json()["access_token"]
