"""The audit log: who (a person or a token) changed what and when, per organization, without secret values."""

from __future__ import annotations

import json

from .conftest import Api, Team


async def test_the_audit_log_names_who_changed_what(api: Api, teams: tuple[Team, Team]) -> None:
    a, b = teams
    owner = a.people["owner"]
    made = await api.post("/api/monitors", headers=a.tokens["write"], json={
        "url": "https://private.example", "headers": {"Authorization": "Bearer s3cret-value"}})
    assert made.status_code == 201
    await api.patch(f"/api/monitors/{made.json()['id']}", headers=a.people["editor"],
                    json={"headers": {"Authorization": "Bearer other-s3cret"}, "name": "private"})
    await api.delete(f"/api/monitors/{made.json()['id']}", headers=owner)
    token = (await api.post("/api/tokens", json={"name": "deploys", "scopes": ["read"]}, headers=owner)).json()

    answer = await api.get("/api/audit", headers=owner)
    assert answer.status_code == 200
    entries = answer.json()["items"]
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)  # newest first
    seen = [(e["action"], e["actor"]) for e in entries]
    assert seen[:4] == [("token.created", "user"), ("monitor.deleted", "user"), ("monitor.updated", "user"),
                        ("monitor.created", "token")]
    assert entries[2]["details"] == {"fields": ["headers", "name"]}
    assert entries[3]["actor_token_id"] is not None and entries[3]["target_id"] == str(made.json()["id"])
    assert {"member.joined", "token.revoked", "invitation.created", "org.created"} <= {e["action"] for e in entries}
    text = json.dumps(entries)
    assert "s3cret" not in text and token["token"] not in text  # no secret values

    # Paginated; admins only; another organization's entries are not there.
    first = (await api.get("/api/audit?limit=2", headers=owner)).json()
    second = (await api.get(f"/api/audit?limit=2&cursor={first['next_cursor']}", headers=owner)).json()
    assert [e["id"] for e in first["items"] + second["items"]] == [e["id"] for e in entries[:4]]
    assert (await api.get("/api/audit", headers=a.people["editor"])).status_code == 403
    assert (await api.get("/api/audit", headers=a.tokens["write"])).status_code == 403
    theirs = (await api.get("/api/audit", headers=b.people["owner"])).json()["items"]
    assert theirs and all(e["target_id"] != str(made.json()["id"]) for e in theirs)
