"""API tokens: shown once, stored hashed, scoped to their organization, refused at once when revoked or expired,
and never outliving their creator's membership."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from uptick_auth.main import app as auth_app
from uptick_common.tokens import secret_hash

from .conftest import Api, Team, bearer


async def test_a_write_token_works_where_a_session_does(api: Api, teams: tuple[Team, Team]) -> None:
    a, b = teams
    owner = a.people["owner"]
    made = await api.post("/api/tokens", json={"name": "CI deploys", "scopes": ["write", "read"]}, headers=owner)
    assert made.status_code == 201
    token = made.json()
    assert token["token"].startswith("upt_") and len(token["token"]) > 40
    assert token["prefix"] == token["token"][:12] and token["scopes"] == ["read", "write"]
    assert token["org_id"] == a.org_id and token["last_used_at"] is None and token["expires_at"] is None
    async with auth_app.state.sessions() as session:
        stored = (await session.execute(text("SELECT token_hash FROM api_tokens WHERE id = :i"),
                                        {"i": token["id"]})).scalar_one()
    assert stored == secret_hash(token["token"])  # the hash, never the token

    ci = bearer(token["token"])
    created = await api.post("/api/monitors", json={"url": "https://deploy.example"}, headers=ci)
    assert created.status_code == 201 and created.headers["x-uptick-org"] == str(a.org_id)
    listed = await api.get("/api/monitors", headers=a.people["viewer"])
    assert created.json()["id"] in [m["id"] for m in listed.json()["items"]]
    assert (await api.get("/api/monitors", headers={**ci, "X-Uptick-Org": str(b.org_id)})).status_code == 403
    # Accounts are people's business: a write token manages no tokens or members.
    assert (await api.post("/api/tokens", json={"name": "x", "scopes": ["read"]}, headers=ci)).status_code == 403

    shown = (await api.get("/api/tokens", headers=owner)).json()["items"]
    mine = next(t for t in shown if t["id"] == token["id"])
    assert "token" not in mine and mine["last_used_at"] is not None
    assert a.token_id in [t["id"] for t in shown] and all(t["name"] != "revoked token" for t in shown)

    assert (await api.delete(f"/api/tokens/{token['id']}", headers=owner)).status_code == 204
    refused = await api.get("/api/monitors", headers=ci)
    assert refused.status_code == 401 and refused.json() == {"detail": "invalid, expired or revoked API token"}
    assert (await api.delete(f"/api/tokens/{token['id']}", headers=owner)).status_code == 404


async def test_an_expired_token_is_refused(api: Api, teams: tuple[Team, Team]) -> None:
    a, _ = teams
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    made = (await api.post("/api/tokens", json={"name": "short", "scopes": ["read"], "expires_at": soon},
                           headers=a.people["owner"])).json()
    assert (await api.get("/api/monitors", headers=bearer(made["token"]))).status_code == 200
    async with auth_app.state.sessions() as session:
        await session.execute(text("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = :i"),
                              {"i": made["id"]})
        await session.commit()
    assert (await api.get("/api/monitors", headers=bearer(made["token"]))).status_code == 401
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    for body in ({"name": "t", "scopes": ["write"]}, {"name": "t", "scopes": []}, {"name": "", "scopes": ["read"]},
                 {"name": "t", "scopes": ["read"], "expires_at": past}, {"name": "t", "scopes": ["admin"]}):
        assert (await api.post("/api/tokens", json=body, headers=a.people["owner"])).status_code == 422, body


async def test_a_token_never_outlives_its_creators_membership(api: Api, teams: tuple[Team, Team]) -> None:
    a, _ = teams
    admin_id, admin = await api.account("ada@example.com")
    await api.join(a.org_id, a.people["owner"], "ada@example.com", admin, "admin")
    in_a = {**admin, "X-Uptick-Org": str(a.org_id)}
    made = (await api.post("/api/tokens", json={"name": "ada's", "scopes": ["read", "write"]}, headers=in_a)).json()
    ci = bearer(made["token"])
    assert (await api.get("/api/monitors", headers=ci)).status_code == 200
    # Made a viewer, Ada's write token writes no more; removed, her token is refused at once.
    assert (await api.patch(f"/api/orgs/{a.org_id}/members/{admin_id}", json={"role": "viewer"},
                            headers=a.people["owner"])).status_code == 204
    assert (await api.post("/api/monitors", json={"url": "https://x.example"}, headers=ci)).status_code == 403
    assert (await api.delete(f"/api/orgs/{a.org_id}/members/{admin_id}", headers=a.people["owner"])).status_code == 204
    assert (await api.get("/api/monitors", headers=ci)).status_code == 401
