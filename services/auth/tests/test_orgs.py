"""Organizations through the API: the personal one a sign-up makes, new ones, members, roles, the last owner."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from uptick_auth.main import app

PASSWORD = "correct horse battery staple"


async def account(client: httpx.AsyncClient, email: str) -> tuple[int, dict[str, str]]:
    """(user id, Authorization header) of a new account."""
    body = {"email": email, "password": PASSWORD}
    user = (await client.post("/api/auth/signup", json=body)).json()
    token = (await client.post("/api/auth/login", json=body)).json()["access_token"]
    client.cookies.clear()
    return user["id"], {"Authorization": f"Bearer {token}"}


async def join(org_id: int, user_id: int, role: str) -> None:
    """A membership as an accepted invitation leaves it."""
    async with app.state.sessions() as session:
        await session.execute(text("INSERT INTO memberships (org_id, user_id, role) VALUES (:o, :u, :r)"),
                              {"o": org_id, "u": user_id, "r": role})
        await session.commit()


async def test_signup_makes_a_personal_organization(client: httpx.AsyncClient) -> None:
    _, ada = await account(client, "ada@example.com")
    answer = await client.get("/api/orgs", headers=ada)
    assert answer.status_code == 200
    [personal] = answer.json()["items"]
    assert personal["name"] == "ada@example.com" and personal["personal"] is True and personal["role"] == "owner"
    assert answer.json()["next_cursor"] is None
    assert answer.headers["x-uptick-org"] == str(personal["id"])  # where the request acted
    assert (await client.delete(f"/api/orgs/{personal['id']}", headers=ada)).status_code == 409


async def test_a_team_its_roles_and_always_an_owner(client: httpx.AsyncClient) -> None:
    ada_id, ada = await account(client, "ada@example.com")
    bob_id, bob = await account(client, "bob@example.com")
    eve_id, eve = await account(client, "eve@example.com")
    created = await client.post("/api/orgs", json={"name": "Acme"}, headers=ada)
    assert created.status_code == 201
    org = created.json()
    assert org["role"] == "owner" and org["personal"] is False
    await join(org["id"], bob_id, "viewer")

    # Bob sees the team and its members; Eve, no member, finds no such organization.
    assert (await client.get(f"/api/orgs/{org['id']}", headers=bob)).json()["role"] == "viewer"
    members = (await client.get(f"/api/orgs/{org['id']}/members", headers=bob)).json()["items"]
    assert [(m["email"], m["role"]) for m in members] == [("ada@example.com", "owner"), ("bob@example.com", "viewer")]
    assert (await client.get(f"/api/orgs/{org['id']}/members", headers=eve)).status_code == 404
    assert (await client.get("/api/orgs", headers={**eve, "X-Uptick-Org": str(org["id"])})).status_code == 200
    # A viewer changes nothing.
    assert (await client.patch(f"/api/orgs/{org['id']}", json={"name": "Mine"}, headers=bob)).status_code == 403
    assert (await client.patch(f"/api/orgs/{org['id']}/members/{ada_id}", json={"role": "viewer"},
                               headers=bob)).status_code == 403

    # The only owner can neither step down nor leave; after handing over, they can.
    path = f"/api/orgs/{org['id']}/members"
    assert (await client.patch(f"{path}/{ada_id}", json={"role": "admin"}, headers=ada)).status_code == 409
    assert (await client.delete(f"{path}/{ada_id}", headers=ada)).status_code == 409
    assert (await client.post(f"/api/orgs/{org['id']}/hand-over", json={"user_id": eve_id},
                              headers=ada)).status_code == 404  # not a member
    assert (await client.post(f"/api/orgs/{org['id']}/hand-over", json={"user_id": bob_id},
                              headers=ada)).status_code == 204
    roles = {m["email"]: m["role"] for m in (await client.get(path, headers=ada)).json()["items"]}
    assert roles == {"ada@example.com": "admin", "bob@example.com": "owner"}
    # An admin cannot unmake an owner; the owner renames, and may now let Ada go.
    assert (await client.patch(f"{path}/{bob_id}", json={"role": "viewer"}, headers=ada)).status_code == 403
    renamed = await client.patch(f"/api/orgs/{org['id']}", json={"name": "Acme Inc"}, headers=bob)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Acme Inc"
    assert (await client.delete(f"{path}/{ada_id}", headers=ada)).status_code == 204  # Ada leaves
    assert (await client.get(f"/api/orgs/{org['id']}", headers=ada)).status_code == 404
    assert [o["personal"] for o in (await client.get("/api/orgs", headers=ada)).json()["items"]] == [True]
    assert (await client.delete(f"/api/orgs/{org['id']}", headers=bob)).status_code == 204
    assert (await client.get(f"/api/orgs/{org['id']}", headers=bob)).status_code == 404


async def test_bad_org_header_is_a_clear_4xx(client: httpx.AsyncClient) -> None:
    _, ada = await account(client, "ada@example.com")
    for value in (b"not-a-number", "²".encode("latin-1"), b"1" * 19):
        other = await client.get("/api/orgs", headers={**ada, "X-Uptick-Org": value})
        assert other.status_code == 400 and "X-Uptick-Org" in other.json()["detail"]
    for cursor in ("²", "-1", "x"):
        assert (await client.get("/api/orgs", params={"cursor": cursor}, headers=ada)).status_code == 422


async def test_ids_out_of_range_and_control_characters_are_422(client: httpx.AsyncClient) -> None:
    _, ada = await account(client, "ada@example.com")
    for path in ("/api/orgs/99999999999999999999", "/api/orgs/0/members", "/api/tokens/99999999999999999999"):
        method = "DELETE" if path.startswith("/api/tokens") else "GET"
        assert (await client.request(method, path, headers=ada)).status_code == 422, path
    for name in ("a\x00b", "line\nbreak", ""):
        assert (await client.post("/api/orgs", json={"name": name}, headers=ada)).status_code == 422
        assert (await client.post("/api/tokens", json={"name": name, "scopes": ["read"]},
                                  headers=ada)).status_code == 422
