"""Invitations: sent by e-mail over SMTP, a signed link that expires and works once, for that address only."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text

from uptick_auth.main import app
from uptick_devstack.mailsink import MailSink

from .test_orgs import account


async def invite(client: httpx.AsyncClient, org_id: int, admin: dict, email: str, role: str = "viewer") -> dict:
    answer = await client.post(f"/api/orgs/{org_id}/invitations", json={"email": email, "role": role}, headers=admin)
    assert answer.status_code == 201, answer.text
    return answer.json()


def path(invitation: dict) -> str:
    """The API's path of the invitation whose link (the dashboard's /invitations/{token}) the answer gives."""
    return "/api/invitations/" + urlsplit(invitation["accept_url"]).path.rsplit("/", 1)[1]


async def test_an_invitation_works_once_for_its_address(client: httpx.AsyncClient, mail_sink: MailSink) -> None:
    _, ada = await account(client, "ada@example.com")
    _, bob = await account(client, "bob@example.com")
    org = (await client.post("/api/orgs", json={"name": "Acme"}, headers=ada)).json()
    sent = await invite(client, org["id"], ada, "Bob@Example.com")
    assert sent["email"] == "bob@example.com" and sent["status"] == "pending" and sent["mail_sent"] is True
    [letter] = mail_sink.messages
    assert letter["To"] == "bob@example.com" and sent["accept_url"] in letter.get_content()
    listed = (await client.get(f"/api/orgs/{org['id']}/invitations", headers=ada)).json()["items"]
    assert [i["id"] for i in listed] == [sent["id"]]

    assert (await client.post(path(sent) + "/accept", headers=ada)).status_code in (403, 409)  # not Ada's
    assert (await client.post(path(sent) + "/accept", headers=bob)).status_code == 204
    assert (await client.get(f"/api/orgs/{org['id']}", headers=bob)).json()["role"] == "viewer"
    assert (await client.post(path(sent) + "/accept", headers=bob)).status_code == 404  # used up
    assert (await client.get(path(sent))).status_code == 404
    assert (await client.get(f"/api/orgs/{org['id']}/invitations", headers=ada)).json()["items"] == []
    # A member is not invited again; a forged link finds nothing.
    again = {"email": "bob@example.com", "role": "admin"}
    assert (await client.post(f"/api/orgs/{org['id']}/invitations", json=again, headers=ada)).status_code == 409
    assert (await client.get(path(sent)[:-4] + "AAAA")).status_code == 404


async def test_revoked_and_expired_invitations_are_gone(client: httpx.AsyncClient) -> None:
    _, ada = await account(client, "ada@example.com")
    _, bob = await account(client, "bob@example.com")
    org = (await client.post("/api/orgs", json={"name": "Acme"}, headers=ada)).json()
    revoked, expired = await invite(client, org["id"], ada, "bob@example.com"), await invite(
        client, org["id"], ada, "bob@example.com", "editor")
    assert (await client.delete(f"/api/orgs/{org['id']}/invitations/{revoked['id']}", headers=ada)).status_code == 204
    assert (await client.post(path(revoked) + "/accept", headers=bob)).status_code == 404
    async with app.state.sessions() as session:
        await session.execute(text("UPDATE invitations SET expires_at = now() - interval '1 s' WHERE id = :i"),
                              {"i": expired["id"]})
        await session.commit()
    assert (await client.post(path(expired) + "/accept", headers=bob)).status_code == 404
    assert (await client.get(f"/api/orgs/{org['id']}", headers=bob)).status_code == 404


async def test_only_an_owner_invites_an_owner_and_admins_invite(client: httpx.AsyncClient) -> None:
    _, ada = await account(client, "ada@example.com")
    bob_id, bob = await account(client, "bob@example.com")
    org = (await client.post("/api/orgs", json={"name": "Acme"}, headers=ada)).json()
    sent = await invite(client, org["id"], ada, "bob@example.com", "admin")
    assert (await client.post(path(sent) + "/accept", headers=bob)).status_code == 204
    assert (await client.post(f"/api/orgs/{org['id']}/invitations", json={"email": "c@example.com", "role": "owner"},
                              headers=bob)).status_code == 403
    await invite(client, org["id"], bob, "c@example.com", "editor")
    for bad in ({"email": "not an address", "role": "viewer"}, {"email": "c@example.com", "role": "god"}):
        assert (await client.post(f"/api/orgs/{org['id']}/invitations", json=bad, headers=ada)).status_code == 422


async def test_mail_that_cannot_be_sent_is_said_so(client: httpx.AsyncClient, mail_sink: MailSink) -> None:
    _, ada = await account(client, "ada@example.com")
    org = (await client.post("/api/orgs", json={"name": "Acme"}, headers=ada)).json()
    mail_sink.stop()  # the SMTP server goes away
    sent = await invite(client, org["id"], ada, "bob@example.com")
    assert sent["mail_sent"] is False and sent["status"] == "pending"


async def test_production_answers_carry_no_link(auth_env: None, monkeypatch: pytest.MonkeyPatch,
                                                 jwt_keys, mail_sink: MailSink) -> None:
    monkeypatch.setenv("UPTICK_ENV", "production")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://auth.test") as c:
            _, ada = await account(c, "ada@example.com")
            org = (await c.post("/api/orgs", json={"name": "Acme"}, headers=ada)).json()
            sent = await invite(c, org["id"], ada, "bob@example.com")
    assert sent["accept_url"] is None and sent["mail_sent"] is True
    assert "/invitations/" in mail_sink.messages[0].get_content()
