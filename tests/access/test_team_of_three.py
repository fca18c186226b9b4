"""Done when a team of three (owner, editor, viewer) shares monitors through the API with the rights of their
roles: each signs up and logs in, the owner invites the others by e-mail, they accept through the link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from uptick_devstack.mailsink import MailSink

from .conftest import PASSWORD, Api


async def signed_up(api: Api, email: str) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD}
    assert (await api.post("/api/auth/signup", json=body)).status_code == 201
    login = await api.post("/api/auth/login", json=body)
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def test_a_team_of_three_shares_monitors(api: Api, mail_sink: MailSink) -> None:
    olga, eddie, vera = [await signed_up(api, f"{n}@example.com") for n in ("olga", "eddie", "vera")]
    org = (await api.post("/api/orgs", json={"name": "Shop"}, headers=olga)).json()
    team = {"X-Uptick-Org": str(org["id"])}
    for email, role, header in (("eddie@example.com", "editor", eddie), ("vera@example.com", "viewer", vera)):
        invited = await api.post(f"/api/orgs/{org['id']}/invitations", json={"email": email, "role": role},
                                 headers=olga)
        assert invited.status_code == 201 and invited.json()["mail_sent"] is True
        # The link, as the invited person reads it in the e-mail.
        letter = next(m for m in mail_sink.messages if m["To"] == email)
        link = re.search(r"http\S+/invitations/\S+", letter.get_content())[0]  # the dashboard's page
        assert link == invited.json()["accept_url"] and "Shop" in letter["Subject"]
        shown = await api.get(f"/api{urlsplit(link).path}")  # what that page reads
        assert shown.json() == {"org_name": "Shop", "email": email, "role": role,
                                "expires_at": invited.json()["expires_at"]}
        assert (await api.post(f"/api{urlsplit(link).path}/accept", headers=header)).status_code == 204

    roles = {m["email"]: m["role"] for m in
             (await api.get(f"/api/orgs/{org['id']}/members", headers=vera)).json()["items"]}
    assert roles == {"olga@example.com": "owner", "eddie@example.com": "editor", "vera@example.com": "viewer"}

    # Eddie adds a monitor for the team; everyone sees it; Vera changes nothing; Olga and Eddie do.
    made = await api.post("/api/monitors", json={"url": "https://shop.example"}, headers={**eddie, **team})
    assert made.status_code == 201
    path = f"/api/monitors/{made.json()['id']}"
    for member in (olga, eddie, vera):
        assert [m["name"] for m in (await api.get("/api/monitors", headers={**member, **team})).json()["items"]] \
            == ["shop.example"]
    assert (await api.patch(path, json={"name": "Shop front"}, headers={**vera, **team})).status_code == 403
    assert (await api.delete(path, headers={**vera, **team})).status_code == 403
    assert (await api.patch(path, json={"name": "Shop front"}, headers={**olga, **team})).status_code == 200
    assert (await api.patch(path, json={"paused": True}, headers={**eddie, **team})).json()["name"] == "Shop front"
    # Eddie cannot manage people or tokens; Olga can, and promotes Vera.
    assert (await api.post(f"/api/orgs/{org['id']}/invitations", json={"email": "x@example.com", "role": "viewer"},
                           headers=eddie)).status_code == 403
    assert (await api.post("/api/tokens", json={"name": "ci", "scopes": ["read"]},
                           headers={**eddie, **team})).status_code == 403
    assert (await api.patch(f"/api/orgs/{org['id']}/members/{(await me(api, vera))}", json={"role": "editor"},
                            headers=olga)).status_code == 204
    assert (await api.delete(path, headers={**vera, **team})).status_code == 204
    # Each one's personal organization stays their own.
    assert (await api.get("/api/monitors", headers=vera)).json()["items"] == []


async def me(api: Api, header: dict[str, str]) -> int:
    return (await api.get("/api/auth/me", headers=header)).json()["id"]
