"""Sessions: short-lived access tokens, refresh-token rotation (a reused one ends the session), log-out
everywhere, a password change ends the other sessions, and CSRF checks on cookie-carried changes."""

from __future__ import annotations

import httpx
import pytest

from .conftest import EMAIL, PASSWORD

ORIGIN = {"Origin": "http://auth.test"}  # the test client's own origin


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def log_in(client: httpx.AsyncClient, password: str = PASSWORD) -> dict:
    answer = await client.post("/api/auth/login", json={"email": EMAIL, "password": password})
    assert answer.status_code == 200, answer.text
    client.cookies.clear()
    return answer.json()


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(client: httpx.AsyncClient,
                                                                           user: dict) -> None:
    first = await log_in(client)
    second = (await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    third = (await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})).json()
    assert (await client.get("/api/auth/me", headers=bearer(third["access_token"]))).status_code == 200

    # Someone replays the first refresh token: refused, and every token of that session with it.
    replay = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and "used before" in replay.json()["detail"]
    assert (await client.get("/api/auth/me", headers=bearer(third["access_token"]))).status_code == 401
    assert (await client.post("/api/auth/refresh",
                              json={"refresh_token": third["refresh_token"]})).status_code == 401
    assert (await client.post("/api/auth/refresh", json={"refresh_token": "made up"})).status_code == 401
    # Another log-in is another session, untouched.
    assert (await client.get("/api/auth/me", headers=bearer((await log_in(client))["access_token"]))).status_code == 200


async def test_refresh_with_the_cookie_needs_the_same_origin(client: httpx.AsyncClient, user: dict) -> None:
    login = await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    refresh_cookie = next(c for c in login.headers.get_list("set-cookie") if c.startswith("uptick_refresh="))
    attributes = {part.strip().lower() for part in refresh_cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/api/auth"} <= attributes
    assert (await client.post("/api/auth/refresh")).status_code == 403  # no Origin: not from the dashboard
    assert (await client.post("/api/auth/refresh", headers={"Origin": "https://evil.example"})).status_code == 403
    refreshed = await client.post("/api/auth/refresh", headers=ORIGIN)
    assert refreshed.status_code == 200
    assert client.cookies["uptick_session"] == refreshed.json()["access_token"]
    assert (await client.get("/api/auth/me")).status_code == 200


async def test_log_out_everywhere(client: httpx.AsyncClient, user: dict) -> None:
    laptop, phone = await log_in(client), await log_in(client)
    assert (await client.post("/api/auth/logout-all", headers=bearer(phone["access_token"]))).status_code == 204
    for device in (laptop, phone):
        assert (await client.get("/api/auth/me", headers=bearer(device["access_token"]))).status_code == 401
        assert (await client.post("/api/auth/refresh",
                                  json={"refresh_token": device["refresh_token"]})).status_code == 401


async def test_a_password_change_ends_the_other_sessions(client: httpx.AsyncClient, user: dict) -> None:
    laptop, stolen = await log_in(client), await log_in(client)
    new = "an entirely new passphrase"
    wrong = await client.post("/api/auth/password", headers=bearer(laptop["access_token"]),
                              json={"current_password": "not it at all", "new_password": new})
    assert wrong.status_code == 403
    changed = await client.post("/api/auth/password", headers=bearer(laptop["access_token"]),
                                json={"current_password": PASSWORD, "new_password": new})
    assert changed.status_code == 204
    assert (await client.get("/api/auth/me", headers=bearer(laptop["access_token"]))).status_code == 200
    assert (await client.get("/api/auth/me", headers=bearer(stolen["access_token"]))).status_code == 401
    assert (await client.post("/api/auth/refresh", json={"refresh_token": stolen["refresh_token"]})).status_code == 401
    assert (await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})).status_code == 401
    await log_in(client, new)


async def test_wrong_current_passwords_are_throttled_as_failed_log_ins(auth_env: None,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A session (stolen, or a browser left open) cannot guess the current password faster than a log-in could:
    after the limit of wrong ones, even the right one is a 429 until the window ends; a change clears the count;
    another user's count is their own."""
    from uptick_auth.main import app

    monkeypatch.setenv("UPTICK_LOGIN_MAX_FAILURES", "3")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://auth.test") as c:
            for email in (EMAIL, "grace@example.com"):
                signup = await c.post("/api/auth/signup", json={"email": email, "password": PASSWORD})
                assert signup.status_code == 201
            ada = bearer((await log_in(c))["access_token"])
            grace = (await c.post("/api/auth/login", json={"email": "grace@example.com", "password": PASSWORD}))
            c.cookies.clear()

            async def change(headers: dict[str, str], current: str,
                             new: str = "a brand new passphrase") -> httpx.Response:
                return await c.post("/api/auth/password", headers=headers,
                                    json={"current_password": current, "new_password": new})

            for _ in range(2):
                assert (await change(ada, "a wrong guess")).status_code == 403
            assert (await change(ada, PASSWORD, "the second passphrase")).status_code == 204  # the count starts again
            for _ in range(3):
                assert (await change(ada, "a wrong guess")).status_code == 403
            throttled = await change(ada, "the second passphrase")
            assert throttled.status_code == 429 and 0 < int(throttled.headers["retry-after"]) <= 900
            assert "wrong current passwords" in throttled.json()["detail"]
            assert (await c.post("/api/auth/login", json={"email": EMAIL, "password": "the second passphrase"})
                    ).status_code == 200  # unchanged by the throttled attempt
            assert (await change(bearer(grace.json()["access_token"]), "a wrong guess")).status_code == 403


async def test_concurrent_wrong_current_passwords_pass_at_most_the_limit(client: httpx.AsyncClient,
                                                                         user: dict) -> None:
    """Counted before the hash: 30 guesses at once reach the verification at most 10 times (the default limit)."""
    import asyncio

    headers = bearer((await log_in(client))["access_token"])
    answers = await asyncio.gather(*(client.post("/api/auth/password", headers=headers, json={
        "current_password": f"guess number {i}", "new_password": "a brand new passphrase"}) for i in range(30)))
    codes = [answer.status_code for answer in answers]
    assert codes.count(403) <= 10 and codes.count(429) >= 20 and set(codes) <= {403, 429}, codes


@pytest.mark.parametrize(("headers", "allowed"), [
    ({}, False),
    ({"Origin": "https://evil.example"}, False),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, False),
    ({"Sec-Fetch-Site": "same-site"}, False),
    (ORIGIN, True),
    ({"Sec-Fetch-Site": "same-origin", **ORIGIN}, True),
    ({"X-Forwarded-Host": "uptick.example", "X-Forwarded-Proto": "https", "Origin": "https://uptick.example"}, True),
])
async def test_cookie_changes_need_the_dashboards_origin(client: httpx.AsyncClient, user: dict, headers: dict,
                                                         allowed: bool) -> None:
    await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})  # the jar keeps the cookie
    answer = await client.post("/api/orgs", json={"name": "Acme"}, headers=headers)
    assert answer.status_code == (201 if allowed else 403), answer.text
    assert (await client.get("/api/orgs")).status_code == 200  # reading needs no proof
    # A bearer token is not sent by browsers on their own: no proof needed.
    token = client.cookies["uptick_session"]
    client.cookies.clear()
    assert (await client.post("/api/orgs", json={"name": "Acme"}, headers=bearer(token))).status_code == 201


@pytest.mark.parametrize(("headers", "status"), [
    ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403),
    ({"Origin": "https://evil.example"}, 403),
    ({"Sec-Fetch-Site": "same-origin", **ORIGIN}, 200),
    ({}, 200),  # a script: no browser, no cookie jar to plant a session in
])
async def test_no_page_logs_a_visitor_in_or_out(client: httpx.AsyncClient, user: dict, headers: dict,
                                                status: int) -> None:
    login = await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD}, headers=headers)
    assert login.status_code == status
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == (204 if status == 200 else 403)
