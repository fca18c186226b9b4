"""Every route of both HTTP apps refuses what it must, generated from their route tables.

For every route: another organization's object is a 404, a viewer's change is a 403, a `read` token's change
is a 403, a revoked token is a 401 (and an owner's read is a 200, so that none of this passes by refusing
everyone). A new route fails `test_every_route_is_covered` until it is listed here: as public, or with the
body a change needs (its path parameters are filled in by name).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from uptick_auth.main import app as auth_app
from uptick_monitors.main import build_app
from uptick_monitors.settings import MonitorsSettings

from .conftest import Api, Team

# Routes anyone may call: they authenticate by what they carry (a heartbeat's secret URL, a password, a
# refresh token).
PUBLIC = {
    ("POST", "/api/auth/signup"), ("POST", "/api/auth/login"), ("POST", "/api/auth/logout"),
    ("POST", "/api/auth/refresh"), ("GET", "/api/invitations/{token}"),
    *((method, path) for method in ("GET", "POST", "HEAD")
      for path in ("/api/heartbeats/{token}", "/api/heartbeats/{token}/fail")),
    ("GET", "/api/badges/{token}/{kind}.svg"),  # the token in the URL is the secret
}
# Changes to no organization's data but the caller's own: any member may (a viewer creates a team of their own,
# changes their password). API tokens may not.
NOT_AN_ORG_CHANGE = {("POST", "/api/orgs"), ("POST", "/api/auth/logout-all"), ("POST", "/api/auth/password"),
                     ("POST", "/api/invitations/{token}/accept")}
# An invitation's link is a capability, not an object of an organization's: refused to the wrong account
# with a 403 that says so (test_invitations).
NOT_AN_OBJECT = {("POST", "/api/invitations/{token}/accept")}
# A valid body for each change, so that a refusal is the route's, not the body's.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/orgs"): {"name": "C"},
    ("POST", "/api/auth/password"): {"current_password": "x", "new_password": "a new long password"},
    ("PATCH", "/api/orgs/{org_id}"): {"name": "renamed"},
    ("PATCH", "/api/orgs/{org_id}/members/{user_id}"): {"role": "viewer"},
    ("POST", "/api/orgs/{org_id}/hand-over"): {"user_id": 1},
    ("POST", "/api/tokens"): {"name": "t", "scopes": ["read"]},
    ("POST", "/api/orgs/{org_id}/invitations"): {"email": "new@example.com", "role": "viewer"},
    ("POST", "/api/monitors"): {"url": "https://c.example"},
    ("PATCH", "/api/monitors/{monitor_id}"): {"paused": True},
    ("POST", "/api/channels"): {"type": "webhook", "name": "w", "config": {"url": "https://c.example/hook"}},
    ("PATCH", "/api/channels/{channel_id}"): {"name": "renamed"},
    ("POST", "/api/incidents/{incident_id}/notes"): {"body": "on it"},
    ("POST", "/api/status-pages"): {"slug": "new-page", "title": "New"},
    ("PATCH", "/api/status-pages/{page_id}"): {"title": "renamed"},
    ("POST", "/api/maintenance"): {"name": "m", "kind": "weekly", "days": ["sun"], "time": "02:00",
                                   "duration_minutes": 60, "all_monitors": True},
    ("PATCH", "/api/maintenance/{window_id}"): {"name": "renamed"},
}
NO_BODY = {("POST", "/api/auth/logout-all"), ("DELETE", "/api/orgs/{org_id}"),
           ("DELETE", "/api/orgs/{org_id}/invitations/{invitation_id}"), ("POST", "/api/invitations/{token}/accept"),
           ("DELETE", "/api/orgs/{org_id}/members/{user_id}"), ("DELETE", "/api/tokens/{token_id}"),
           ("DELETE", "/api/monitors/{monitor_id}"), ("DELETE", "/api/channels/{channel_id}"),
           ("POST", "/api/channels/{channel_id}/test"), ("POST", "/api/incidents/{incident_id}/ack"),
           ("DELETE", "/api/status-pages/{page_id}"), ("POST", "/api/monitors/{monitor_id}/badge-token"),
           ("DELETE", "/api/maintenance/{window_id}")}


def _routes() -> list[tuple[str, str]]:
    """Every operation both apps declare (their OpenAPI documents: the route tables as clients see them)."""
    found = set()
    for app in (auth_app, build_app(MonitorsSettings())):
        for path, operations in app.openapi()["paths"].items():
            found |= {(method.upper(), path) for method in operations}
    return sorted(found)


ROUTES = _routes()
GUARDED = [r for r in ROUTES if r not in PUBLIC]
CHANGES = [r for r in GUARDED if r[0] != "GET"]


def _fill(path: str, team: Team) -> str:
    values = {"org_id": team.org_id, "monitor_id": team.monitor_id, "token_id": team.token_id,
              "user_id": team.owner_id, "invitation_id": team.invitation_id, "token": team.invitation_token,
              "channel_id": team.channel_id, "incident_id": team.incident_id,
              "page_id": team.status_page_id, "window_id": team.window_id}

    def value(match: re.Match[str]) -> str:
        assert match[1] in values, f"{path}: no value for {{{match[1]}}}; add one to _fill"
        return str(values[match[1]])

    return re.sub(r"\{(\w+)\}", value, path)


async def _call(api: Api, route: tuple[str, str], team: Team, headers: dict[str, str]) -> int:
    method, path = route
    body = BODIES.get(route)
    answer = await api.request(method, _fill(path, team), headers=headers,
                               **({"json": body} if body is not None else {}))
    return answer.status_code


def test_every_route_is_covered() -> None:
    assert len(ROUTES) > 20
    missing = [r for r in CHANGES if r not in BODIES and r not in NO_BODY]
    assert not missing, f"changes without a body listed in BODIES (or NO_BODY): {missing}"


async def test_another_organizations_object_is_404(api: Api, teams: tuple[Team, Team]) -> None:
    a, b = teams
    wrong = {}
    for route in GUARDED:
        if "{" in route[1] and route not in NOT_AN_OBJECT:
            # A's owner may do anything in A, so B's objects are simply not there; A's token likewise, but
            # where no token may go at all (accounts are managed by people) it is refused before looking.
            for who, headers, expected in (("owner of A", a.people["owner"], {404}),
                                           ("A's write token", a.tokens["write"], {403, 404})):
                status = await _call(api, route, b, headers)
                if status not in expected:
                    wrong[f"{route} as {who}"] = status
    assert wrong == {}


async def test_a_viewers_change_is_403(api: Api, teams: tuple[Team, Team]) -> None:
    a, _ = teams
    statuses = {route: await _call(api, route, a, a.people["viewer"]) for route in CHANGES
                if route not in NOT_AN_ORG_CHANGE}
    assert {route: s for route, s in statuses.items() if s != 403} == {}


async def test_a_read_tokens_change_is_403(api: Api, teams: tuple[Team, Team]) -> None:
    a, _ = teams
    statuses = {route: await _call(api, route, a, a.tokens["read"]) for route in CHANGES}
    assert {route: s for route, s in statuses.items() if s != 403} == {}


@pytest.mark.parametrize("credential", ["revoked", "none", "garbage"])
async def test_a_revoked_or_missing_credential_is_401(api: Api, teams: tuple[Team, Team], credential: str) -> None:
    a, _ = teams
    headers = {"revoked": a.tokens["revoked"], "none": {},
               "garbage": {"Authorization": "Bearer upt_not-a-token"}}[credential]
    statuses = {route: await _call(api, route, a, headers) for route in GUARDED}
    assert {route: s for route, s in statuses.items() if s != 401} == {}


async def test_an_owner_reads_every_route(api: Api, teams: tuple[Team, Team]) -> None:
    a, _ = teams
    statuses = {route: await _call(api, route, a, a.people["owner"]) for route in GUARDED if route[0] == "GET"}
    assert {route: s for route, s in statuses.items() if s != 200} == {}
