"""Both HTTP apps in this process (auth and monitors, each with its lifespan) and a world of two teams.

Team A: Alice (owner), Ed (editor), Vic (viewer), API tokens of Alice's (read, write, revoked), a monitor.
Team B: Bob (owner), his token and monitor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from uptick_auth.main import app as auth_app
from uptick_common import tokens
from uptick_devstack.fixtures import add_personal_org
from uptick_devstack.mailsink import MailSink
from uptick_monitors.main import build_app
from uptick_monitors.settings import MonitorsSettings

PASSWORD = "correct horse battery staple"


class Api:
    """One client for both apps, routed by path like the dev router."""

    def __init__(self, auth: httpx.AsyncClient, monitors: httpx.AsyncClient) -> None:
        self.auth, self.monitors = auth, monitors

    def client(self, path: str) -> httpx.AsyncClient:
        from uptick_devstack.router import AUTH_PREFIXES

        return self.auth if path.startswith(AUTH_PREFIXES) else self.monitors

    async def request(self, method: str, path: str, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
        client = self.client(path)
        client.cookies.clear()
        return await client.request(method, path, **kwargs)

    async def get(self, path: str, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
        return await self.request("DELETE", path, **kwargs)

    async def account(self, email: str) -> tuple[int, dict[str, str]]:
        """(user id, Authorization header) of a new account with a live session, as sign-up and log-in leave
        them (written directly: two Argon2 hashes per account would make each world take seconds)."""
        async with auth_app.state.sessions() as session:
            user_id = await session.scalar(
                text("INSERT INTO users (email, password_hash) VALUES (:e, 'x') RETURNING id"), {"e": email})
            await add_personal_org(await session.connection(), user_id, email)
            await session.execute(text("INSERT INTO auth_sessions (id, user_id, expires_at)"
                                       " VALUES (:s, :u, now() + interval '1 hour')"),
                                  {"s": f"s-{user_id}", "u": user_id})
            await session.commit()
        token, _ = tokens.issue(auth_app.state.private_key, user_id=user_id, session_id=f"s-{user_id}",
                                ttl=timedelta(hours=1))
        return user_id, bearer(token)

    async def join(self, org_id: int, owner: dict[str, str], email: str, user: dict[str, str], role: str) -> None:
        """`user` joins the organization with `role`, as the API lets a team grow."""
        from tests.access.team import join

        await join(self, org_id, owner, email, user, role)


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch, database_url: str, redis_url: str,
              jwt_keys: tuple[Path, Path], mail_sink: MailSink) -> AsyncIterator[Api]:
    for key, value in {"UPTICK_ENV": "test", "UPTICK_DATABASE_URL": database_url, "UPTICK_REDIS_URL": redis_url,
                       "UPTICK_JWT_PRIVATE_KEY_FILE": str(jwt_keys[0]),
                       "UPTICK_JWT_PUBLIC_KEY_FILE": str(jwt_keys[1])}.items():
        monkeypatch.setenv(key, value)
    monitors_app = build_app(MonitorsSettings(regions=("eu-west", "us-east")))
    async with auth_app.router.lifespan_context(auth_app), monitors_app.router.lifespan_context(monitors_app):
        async with (httpx.AsyncClient(transport=httpx.ASGITransport(app=auth_app), base_url="http://uptick.test")
                    as auth, httpx.AsyncClient(transport=httpx.ASGITransport(app=monitors_app),
                                               base_url="http://uptick.test") as monitors):
            yield Api(auth, monitors)


@dataclass
class Team:
    org_id: int
    owner_id: int
    monitor_id: int
    token_id: int
    invitation_id: int
    invitation_token: str
    channel_id: int
    incident_id: int
    status_page_id: int
    window_id: int
    people: dict[str, dict[str, str]] = field(default_factory=dict)  # role → Authorization header
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)  # read | write | revoked → header


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_team(api: Api, name: str, owner_email: str, members: dict[str, str]) -> Team:
    owner_id, owner = await api.account(owner_email)
    org = await api.post("/api/orgs", json={"name": name}, headers=owner)
    assert org.status_code == 201, org.text
    org_id = org.json()["id"]
    in_org = {**owner, "X-Uptick-Org": str(org_id)}
    people = {"owner": in_org}
    for role, email in members.items():
        _, header = await api.account(email)
        await api.join(org_id, in_org, email, header, role)
        people[role] = {**header, "X-Uptick-Org": str(org_id)}
    monitor = await api.post("/api/monitors", json={"url": f"https://{name.lower()}.example"}, headers=in_org)
    assert monitor.status_code == 201, monitor.text
    team_tokens = {}
    for kind, scopes in (("read", ["read"]), ("write", ["read", "write"]), ("revoked", ["read", "write"])):
        made = await api.post("/api/tokens", json={"name": f"{kind} token", "scopes": scopes}, headers=in_org)
        assert made.status_code == 201, made.text
        team_tokens[kind] = made.json()
    assert (await api.delete(f"/api/tokens/{team_tokens['revoked']['id']}", headers=in_org)).status_code == 204
    invited = await api.post(f"/api/orgs/{org_id}/invitations", json={"email": f"later-{owner_email}",
                                                                       "role": "viewer"}, headers=in_org)
    assert invited.status_code == 201, invited.text
    channel = await api.post("/api/channels", headers=in_org, json={
        "type": "webhook", "name": "hook", "config": {"url": f"https://{name.lower()}.example/hook"}})
    assert channel.status_code == 201, channel.text
    page = await api.post("/api/status-pages", headers=in_org, json={
        "slug": f"team-{name.lower()}", "title": name, "monitor_ids": [monitor.json()["id"]]})
    assert page.status_code == 201, page.text
    window = await api.post("/api/maintenance", headers=in_org, json={
        "name": "nightly", "kind": "cron", "cron": "0 3 * * *", "duration_minutes": 30,
        "monitor_ids": [monitor.json()["id"]]})
    assert window.status_code == 201, window.text
    async with auth_app.state.sessions() as session:  # incidents are ingest's to open: as it would
        incident_id = await session.scalar(text(
            "INSERT INTO incidents (org_id, monitor_id, started_at, opened_at) VALUES (:o, :m, now(), now())"
            " RETURNING id"), {"o": org_id, "m": monitor.json()["id"]})
        await session.commit()
    return Team(org_id=org_id, owner_id=owner_id, monitor_id=monitor.json()["id"],
                token_id=team_tokens["read"]["id"], invitation_id=invited.json()["id"],
                invitation_token=invited.json()["accept_url"].rsplit("/", 1)[1], channel_id=channel.json()["id"],
                incident_id=incident_id, status_page_id=page.json()["id"], window_id=window.json()["id"],
                people=people,
                tokens={kind: bearer(made["token"]) for kind, made in team_tokens.items()})


@pytest.fixture
async def teams(api: Api) -> tuple[Team, Team]:
    a = await make_team(api, "A", "alice@example.com", {"editor": "ed@example.com", "viewer": "vic@example.com"})
    b = await make_team(api, "B", "bob@example.com", {})
    return a, b
