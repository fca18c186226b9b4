"""Incidents through the API: listed and filtered, read with their timeline, acknowledged once, noted."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def incident(engine, monitor_id: int, *, hours: int, resolved: bool) -> int:
    async with engine.begin() as conn:
        incident_id = await conn.scalar(text(
            "INSERT INTO incidents (org_id, monitor_id, status, started_at, opened_at, cause, regions, resolved_at)"
            " SELECT org_id, id, :status, :start, :start, 'HTTP 503', '{eu-west,us-east}', :end FROM monitors"
            " WHERE id = :m RETURNING id"),
            {"m": monitor_id, "status": "resolved" if resolved else "open", "start": START + timedelta(hours=hours),
             "end": START + timedelta(hours=hours, minutes=5) if resolved else None})
        await conn.execute(text("INSERT INTO incident_events (incident_id, at, kind) VALUES (:i, :at, 'opened')"),
                           {"i": incident_id, "at": START + timedelta(hours=hours)})
        return incident_id


async def monitor_of(api, headers, name: str) -> int:
    made = await api.post("/api/monitors", headers=headers, json={"url": f"https://{name}.example/", "name": name})
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def test_incidents_are_listed_filtered_read_acknowledged_and_noted(api, make_user, engine) -> None:
    me = await make_user("a@example.com")
    shop, blog = await monitor_of(api, me, "shop"), await monitor_of(api, me, "blog")
    old = await incident(engine, shop, hours=0, resolved=True)
    current = await incident(engine, shop, hours=24, resolved=False)
    other = await incident(engine, blog, hours=30, resolved=False)

    everything = (await api.get("/api/incidents", headers=me)).json()
    assert [i["id"] for i in everything["items"]] == [other, current, old]
    assert everything["items"][2]["duration_seconds"] == 300 and everything["items"][2]["monitor_name"] == "shop"
    by_monitor = (await api.get(f"/api/incidents?monitor_id={shop}&status=open", headers=me)).json()["items"]
    assert [i["id"] for i in by_monitor] == [current]
    window = {"from": (START + timedelta(hours=23)).isoformat(), "to": (START + timedelta(hours=25)).isoformat()}
    assert [i["id"] for i in (await api.get("/api/incidents", headers=me, params=window)).json()["items"]] == [current]
    page = (await api.get("/api/incidents?limit=2", headers=me)).json()
    rest = (await api.get(f"/api/incidents?limit=2&cursor={page['next_cursor']}", headers=me)).json()
    assert [i["id"] for i in page["items"] + rest["items"]] == [other, current, old] and rest["next_cursor"] is None
    assert (await api.get("/api/incidents?status=closed", headers=me)).status_code == 422

    acked = await api.post(f"/api/incidents/{current}/ack", headers=me)
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    again = (await api.post(f"/api/incidents/{current}/ack", headers=me)).json()
    assert again["acknowledged_at"] == acked.json()["acknowledged_at"]
    assert (await api.post(f"/api/incidents/{old}/ack", headers=me)).status_code == 409
    note = await api.post(f"/api/incidents/{current}/notes", headers=me, json={"body": "rolling back the deploy"})
    assert note.status_code == 201
    assert (await api.post(f"/api/incidents/{current}/notes", headers=me, json={"body": ""})).status_code == 422

    detail = (await api.get(f"/api/incidents/{current}", headers=me)).json()
    assert [(e["kind"], e["body"]) for e in detail["events"]] == [
        ("opened", None), ("acknowledged", None), ("note", "rolling back the deploy")]
    assert detail["cause"] == "HTTP 503" and detail["regions"] == ["eu-west", "us-east"]
    assert detail["acknowledged_by"] is not None


async def test_another_organizations_incidents_are_not_found(api, make_user, engine) -> None:
    me, them = await make_user("a@example.com"), await make_user("b@example.com")
    mine = await incident(engine, await monitor_of(api, me, "shop"), hours=0, resolved=False)
    assert (await api.get("/api/incidents", headers=them)).json()["items"] == []
    for answer in (await api.get(f"/api/incidents/{mine}", headers=them),
                   await api.post(f"/api/incidents/{mine}/ack", headers=them),
                   await api.post(f"/api/incidents/{mine}/notes", headers=them, json={"body": "x"})):
        assert answer.status_code == 404


async def test_the_acknowledge_link_shows_a_button_then_acknowledges_once(api, make_user, engine) -> None:
    me = await make_user("a@example.com")
    current = await incident(engine, await monitor_of(api, me, "shop"), hours=0, resolved=False)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE incidents SET ack_token = 'tok-123456' WHERE id = :i"), {"i": current})

    page = await api.get("/api/ack/tok-123456")
    assert page.status_code == 200 and "<form method=\"post\">" in page.text
    assert (await api.get(f"/api/incidents/{current}", headers=me)).json()["status"] == "open"  # looking is not acking
    done = await api.post("/api/ack/tok-123456")
    assert done.status_code == 200 and "The incident of shop is acknowledged" in done.text
    detail = (await api.get(f"/api/incidents/{current}", headers=me)).json()
    assert detail["status"] == "acknowledged" and detail["acknowledged_by"] is None
    assert detail["events"][-1] == {**detail["events"][-1], "kind": "acknowledged",
                                    "body": "through the link in a notification"}
    assert (await api.post("/api/ack/tok-123456")).status_code == 404  # once
    assert (await api.post("/api/ack/guessed")).status_code == 404


async def test_a_monitor_depends_on_another_of_its_organization_without_a_cycle(api, make_user) -> None:
    me, them = await make_user("a@example.com"), await make_user("b@example.com")
    host, app = await monitor_of(api, me, "host"), await monitor_of(api, me, "app")
    theirs = await monitor_of(api, them, "theirs")
    made = await api.patch(f"/api/monitors/{app}", headers=me, json={"depends_on": host})
    assert made.status_code == 200 and made.json()["depends_on"] == host
    for body, why in (({"depends_on": app}, "cannot depend on itself"),
                      ({"depends_on": theirs}, f"no monitor {theirs} in this organization")):
        answer = await api.patch(f"/api/monitors/{app}", headers=me, json=body)
        assert answer.status_code == 422 and why in answer.text
    cycle = await api.patch(f"/api/monitors/{host}", headers=me, json={"depends_on": app})
    assert cycle.status_code == 422 and "nor on one that depends on it" in cycle.text
    created = await api.post("/api/monitors", headers=me, json={"url": "https://db.example/", "depends_on": host})
    assert created.status_code == 201 and created.json()["depends_on"] == host
    assert (await api.delete(f"/api/monitors/{host}", headers=me)).status_code == 204
    assert (await api.get(f"/api/monitors/{app}", headers=me)).json()["depends_on"] is None
