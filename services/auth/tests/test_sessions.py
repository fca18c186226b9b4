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
