"""Monitors belong to organizations: members share them with their role's rights, others see nothing."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_a_team_shares_monitors_by_role(api: httpx.AsyncClient, make_user, engine: AsyncEngine) -> None:
    alice, bob, carol = [await make_user(f"{name}@example.com") for name in ("alice", "bob", "carol")]
    async with engine.begin() as conn:
        org = await conn.scalar(text("INSERT INTO organizations (name) VALUES ('Acme') RETURNING id"))
        await conn.execute(text(
            "INSERT INTO memberships (org_id, user_id, role) SELECT :o, id, r FROM users"
            " JOIN (VALUES ('alice@example.com', 'owner'), ('bob@example.com', 'editor'),"
            " ('carol@example.com', 'viewer')) v(e, r) ON v.e = users.email"), {"o": org})
    team = {"X-Uptick-Org": str(org)}
    created = await api.post("/api/monitors", headers={**bob, **team}, json={"url": "https://example.com"})
    assert created.status_code == 201 and created.headers["x-uptick-org"] == str(org)
    path = f"/api/monitors/{created.json()['id']}"

    for member in (alice, bob, carol):
        listed = await api.get("/api/monitors", headers={**member, **team})
        assert [m["id"] for m in listed.json()["items"]] == [created.json()["id"]]
        assert (await api.get(path + "/ticks", headers={**member, **team})).status_code == 200
    # Carol (viewer) reads and changes nothing; Alice (owner) changes; without the header: personal, not shared.
    assert (await api.patch(path, headers={**carol, **team}, json={"paused": True})).status_code == 403
    assert (await api.delete(path, headers={**carol, **team})).status_code == 403
    assert (await api.post("/api/monitors", headers={**carol, **team}, json={"url": "https://a.example"})
            ).status_code == 403
    assert (await api.patch(path, headers={**alice, **team}, json={"paused": True})).json()["paused"] is True
    assert (await api.get(path, headers=bob)).status_code == 404
    assert (await api.get("/api/monitors", headers=bob)).json()["items"] == []
    # Not a member of the organization named: refused, whatever it holds.
    outsider = await make_user("dan@example.com")
    assert (await api.get("/api/monitors", headers={**outsider, **team})).status_code == 403
    assert (await api.delete(path, headers={**bob, **team})).status_code == 204
