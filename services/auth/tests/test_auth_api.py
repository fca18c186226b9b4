from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from pydantic import ValidationError
from sqlalchemy import func, select, update

from uptick_auth import passwords
from uptick_auth.main import app
from uptick_auth.settings import AuthSettings
from uptick_common.db.models import AuthSession, User

from .conftest import EMAIL, PASSWORD


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def one(statement):  # type: ignore[no-untyped-def]
    async with app.state.sessions() as session:
        return await session.scalar(statement)


async def test_signup_login_me_logout(client: httpx.AsyncClient) -> None:
    signup = await client.post("/api/auth/signup", json={"email": "Ada@Example.COM", "password": PASSWORD})
    assert signup.status_code == 201
    account = signup.json()
    assert set(account) == {"id", "email", "created_at"}
    assert account["email"] == "ada@example.com"

    login = await client.post("/api/auth/login", json={"email": " ADA@example.com", "password": PASSWORD})
    assert login.status_code == 200
    body = login.json()
    assert body["token_type"] == "bearer"
    expires_at = datetime.fromisoformat(body["expires_at"])
    ttl = timedelta(seconds=AuthSettings().access_token_ttl_seconds)  # short-lived: refreshed (test_sessions)
    assert ttl <= timedelta(minutes=15)
    assert abs(expires_at - (datetime.now(UTC) + ttl)) < timedelta(minutes=1)
    token = body["access_token"]
    stored = await one(select(AuthSession).where(AuthSession.user_id == account["id"]))
    assert len(stored.id) == 43 and stored.revoked_at is None  # 32 random bytes, url-safe base64
    client.cookies.clear()

    me = await client.get("/api/auth/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json() == account

    logout = await client.post("/api/auth/logout", headers=bearer(token))
    assert logout.status_code == 204
    assert (await one(select(AuthSession.revoked_at).where(AuthSession.id == stored.id))) is not None
    after = await client.get("/api/auth/me", headers=bearer(token))
    assert after.status_code == 401
    # Logging out again, or without any token, is harmless.
    assert (await client.post("/api/auth/logout", headers=bearer(token))).status_code == 204
    assert (await client.post("/api/auth/logout")).status_code == 204

    # The next log-in clears the sessions that can no longer authenticate.
    assert (await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})).status_code == 200
    live = (await one(select(func.array_agg(AuthSession.revoked_at)).where(AuthSession.user_id == account["id"])))
    assert live == [None]


async def test_duplicate_email_in_another_case_is_409(client: httpx.AsyncClient, user: dict) -> None:
    response = await client.post("/api/auth/signup", json={"email": "ADA@example.com", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json() == {"detail": "an account with this email already exists"}
    assert await one(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("not-an-email", PASSWORD),
        ("ada@", PASSWORD),
        (EMAIL, "short12"),  # 7 characters
        (EMAIL, "é" * 129),  # 129 characters, but 258 bytes
        (EMAIL, None),
    ],
)
async def test_invalid_signup_is_422(client: httpx.AsyncClient, email: str, password: str | None) -> None:
    response = await client.post("/api/auth/signup", json={"email": email, "password": password})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    if password:
        assert password not in response.text  # a rejected password is not echoed back
    assert await one(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/signup"])
async def test_nul_in_an_email_is_a_422_not_a_500(client: httpx.AsyncClient, path: str) -> None:
    answer = await client.post(path, json={"email": "ada\x00@example.com", "password": PASSWORD})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "email"] and PASSWORD not in answer.text


async def test_wrong_password_and_unknown_email_are_the_same_401(client: httpx.AsyncClient, user: dict) -> None:
    wrong = await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD + "!"})
    unknown = await client.post("/api/auth/login", json={"email": "bob@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "invalid email or password"}
    assert "set-cookie" not in wrong.headers and "set-cookie" not in unknown.headers
    assert await one(select(func.count()).select_from(AuthSession)) == 0


class _WatchedHasher:
    """The real argon2 hasher, watched: counts its verifications, and from inside each hash (on whatever thread
    runs it) asks the event loop to finish a coroutine of its own, which only a free loop can do."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.real, self.loop, self.verified, self.loop_answered = passwords._hasher, loop, 0, 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return self.real.verify(password_hash, password)

    def hash(self, password: str) -> str:
        digest = self.real.hash(password)
        # On the loop's own thread this would wait for itself: the timeout ends it and the test fails.
        self.loop_answered += asyncio.run_coroutine_threadsafe(asyncio.sleep(0, 1), self.loop).result(timeout=30)
        return digest

    def check_needs_rehash(self, password_hash: str) -> bool:
        return self.real.check_needs_rehash(password_hash)


@pytest.fixture
async def watched_hasher(monkeypatch: pytest.MonkeyPatch) -> _WatchedHasher:
    watched = _WatchedHasher(asyncio.get_running_loop())
    monkeypatch.setattr(passwords, "_hasher", watched)
    return watched


async def test_unknown_email_costs_one_verification_as_a_wrong_password_does(
        client: httpx.AsyncClient, user: dict, watched_hasher: _WatchedHasher) -> None:
    """An unknown email spends a real argon2 verification (against a dummy hash), so it answers as slowly as a
    wrong password: counted, not timed."""
    await asyncio.to_thread(passwords._dummy_hash)  # made once per process (a hash), before the count starts
    for email, verifications in ((EMAIL, 1), ("nobody@example.com", 2)):
        response = await client.post("/api/auth/login", json={"email": email, "password": "wrong password"})
        assert response.status_code == 401
        assert watched_hasher.verified == verifications, email


async def test_cookie_session(client: httpx.AsyncClient, user: dict) -> None:
    login = await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    cookie = next(c for c in login.headers.get_list("set-cookie") if c.startswith("uptick_session="))
    token = login.json()["access_token"]
    assert cookie.startswith(f"uptick_session={token};")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/", f"max-age={AuthSettings().access_token_ttl_seconds}"} <= attributes
    assert "secure" not in attributes  # plain HTTP outside production unless asked for

    # The client's jar kept the cookie, as a browser would: no Authorization header from here on.
    assert (await client.get("/api/auth/me")).json() == user

    logout = await client.post("/api/auth/logout")
    assert logout.status_code == 204
    assert "max-age=0" in logout.headers.get_list("set-cookie")[0].lower()
    assert "uptick_session" not in client.cookies  # the jar obeyed the clearing
    client.cookies.set("uptick_session", token)  # the old cookie, kept by a client that ignored the clearing
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_secure_cookie_when_asked(auth_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPTICK_COOKIE_SECURE", "true")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://auth.test") as c:
            await c.post("/api/auth/signup", json={"email": EMAIL, "password": PASSWORD})
            login = await c.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    for cookie in login.headers.get_list("set-cookie"):
        assert "secure" in {part.strip().lower() for part in cookie.split(";")}


async def test_me_without_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "not authenticated"}


async def test_login_throttle(auth_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPTICK_LOGIN_MAX_FAILURES", "3")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://auth.test") as c:
            for email in (EMAIL, "grace@example.com"):
                await c.post("/api/auth/signup", json={"email": email, "password": PASSWORD})

            async def login(email: str, password: str) -> httpx.Response:
                return await c.post("/api/auth/login", json={"email": email, "password": password})

            # A success clears the failures before it.
            for _ in range(2):
                assert (await login(EMAIL, "wrong password")).status_code == 401
            assert (await login(EMAIL, PASSWORD)).status_code == 200
            for _ in range(3):
                assert (await login(EMAIL, "wrong password")).status_code == 401
            throttled = await login(EMAIL.upper(), PASSWORD)
            assert throttled.status_code == 429
            assert 0 < int(throttled.headers["retry-after"]) <= 900
            assert (await login("grace@example.com", PASSWORD)).status_code == 200


async def test_concurrent_wrong_passwords_are_throttled(client: httpx.AsyncClient, user: dict) -> None:
    """The count is taken before the hash: 60 wrong passwords at once pass at most the limit (10) to it."""
    answers = await asyncio.gather(*(
        client.post("/api/auth/login", json={"email": EMAIL, "password": f"wrong {i}"}) for i in range(60)
    ))
    codes = [answer.status_code for answer in answers]
    assert codes.count(401) <= 10 and codes.count(429) >= 50, codes
    assert set(codes) <= {401, 429}
    assert all(0 < int(a.headers["retry-after"]) <= 900 for a in answers if a.status_code == 429)


def client_at(address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                             base_url="http://auth.test")


async def test_failures_per_address_and_signups_per_address(auth_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPTICK_LOGIN_MAX_FAILURES_PER_ADDRESS", "4")
    monkeypatch.setenv("UPTICK_SIGNUP_MAX_PER_ADDRESS", "2")
    async with app.router.lifespan_context(app):
        async with client_at("192.0.2.7") as c, client_at("198.51.100.9") as other:
            for email in (EMAIL, "grace@example.com"):
                signup = await c.post("/api/auth/signup", json={"email": email, "password": PASSWORD})
                assert signup.status_code == 201
            third = await c.post("/api/auth/signup", json={"email": "eve@example.com", "password": PASSWORD})
            assert third.status_code == 429 and int(third.headers["retry-after"]) > 0
            assert third.json() == {"detail": third.json()["detail"]} and "sign-ups" in third.json()["detail"]
            assert (await other.post("/api/auth/signup",
                                     json={"email": "eve@example.com", "password": PASSWORD})).status_code == 201

            # A success gives its address's attempt back: only failures count against an address.
            assert (await c.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})).status_code == 200
            # Four wrong passwords spread over several emails (under each email's limit) close the address.
            for email in ("a@example.com", "b@example.com", "c@example.com", "d@example.com"):
                assert (await c.post("/api/auth/login", json={"email": email, "password": "nope"})).status_code == 401
            throttled = await c.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
            assert throttled.status_code == 429
            # Another address logs in to the same account.
            assert (await other.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})).status_code == 200


async def test_a_full_hashing_queue_is_503_with_retry_after(auth_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPTICK_PASSWORD_HASH_CONCURRENCY", "1")
    monkeypatch.setenv("UPTICK_PASSWORD_HASH_QUEUE", "1")
    async with app.router.lifespan_context(app):
        async with client_at("192.0.2.7") as c:
            answers = await asyncio.gather(*(
                c.post("/api/auth/signup", json={"email": f"u{i}@example.com", "password": PASSWORD}) for i in range(6)
            ))
    codes = sorted(answer.status_code for answer in answers)
    assert codes.count(201) >= 1 and codes.count(503) >= 3 and set(codes) <= {201, 503}, codes
    busy = next(a for a in answers if a.status_code == 503)
    assert busy.headers["retry-after"] == "2" and busy.json()["detail"].startswith("too many")


async def test_weaker_hash_is_upgraded_on_login(client: httpx.AsyncClient, user: dict) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with app.state.sessions() as session:
        await session.execute(update(User).where(User.id == user["id"]).values(password_hash=weak))
        await session.commit()
    assert (await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})).status_code == 200
    upgraded = await one(select(User.password_hash).where(User.id == user["id"]))
    assert upgraded != weak and not PasswordHasher().check_needs_rehash(upgraded)
    assert PasswordHasher().verify(upgraded, PASSWORD)


async def test_health_and_openapi(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).json() == {"status": "ok"}
    paths = (await client.get("/api/auth/openapi.json")).json()["paths"]
    assert {"/api/auth/signup", "/api/auth/login", "/api/auth/logout", "/api/auth/me"} <= set(paths)


def test_production_refuses_missing_keys(tmp_path: Path, jwt_keys: tuple[Path, Path]) -> None:
    with pytest.raises(ValidationError, match="JWT key files missing"):
        AuthSettings(env="production", jwt_private_key_file=str(tmp_path / "missing.pem"),
                     jwt_public_key_file=str(jwt_keys[1]))
    settings = AuthSettings(env="production", jwt_private_key_file=str(jwt_keys[0]),
                            jwt_public_key_file=str(jwt_keys[1]))
    assert settings.secure_cookies


async def test_password_hashing_leaves_the_loop_free(client: httpx.AsyncClient,
                                                     watched_hasher: _WatchedHasher) -> None:
    """While a sign-up hashes, the event loop keeps answering: the hash runs on another thread, and the loop
    finishes a coroutine before the hash returns."""
    answer = await client.post("/api/auth/signup", json={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 201
    assert watched_hasher.loop_answered == 1
