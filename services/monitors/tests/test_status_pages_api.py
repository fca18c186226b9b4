"""The status pages API: create, read, change, delete; validation in the list shape; organizations apart."""

import httpx
import pytest


async def _monitor(api: httpx.AsyncClient, who: dict[str, str], url: str) -> int:
    made = await api.post("/api/monitors", headers=who, json={"url": url, "paused": True})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def _messages(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    return {".".join(map(str, e["loc"])): e["msg"] for e in answer.json()["detail"]}


async def test_a_page_with_groups_is_created_read_changed_and_deleted(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    web, db, mail = [await _monitor(api, alice, f"https://{n}.example.com") for n in ("web", "db", "mail")]
    made = await api.post("/api/status-pages", headers=alice, json={
        "slug": "acme", "title": "Acme status", "description": "Our services",
        "groups": [{"name": "Website", "monitors": [{"monitor_id": web, "show_url": True}]},
                   {"name": "Backend", "monitors": [{"monitor_id": mail}, {"monitor_id": db}]}]})
    assert made.status_code == 201, made.text
    page = made.json()
    assert page["slug"] == "acme" and page["public_url"] == "/status/acme" and page["description"] == "Our services"
    assert page["groups"] == [
        {"name": "Website", "monitors": [{"monitor_id": web, "show_url": True}]},
        {"name": "Backend", "monitors": [{"monitor_id": mail, "show_url": False},
                                         {"monitor_id": db, "show_url": False}]},
    ]
    assert page["monitor_ids"] == [web, mail, db]
    path = f"/api/status-pages/{page['id']}"
    assert (await api.get(path, headers=alice)).json() == page
    listing = (await api.get("/api/status-pages", headers=alice)).json()
    assert listing == {"items": [page], "next_cursor": None}

    changed = await api.patch(path, headers=alice, json={"title": "Acme", "monitor_ids": [db, web]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Acme" and changed.json()["slug"] == "acme"
    assert changed.json()["groups"] == [{"name": None, "monitors": [{"monitor_id": db, "show_url": False},
                                                                     {"monitor_id": web, "show_url": False}]}]
    assert changed.json()["updated_at"] > page["updated_at"]

    assert (await api.delete(f"/api/monitors/{db}", headers=alice)).status_code == 204
    assert (await api.get(path, headers=alice)).json()["monitor_ids"] == [web]  # a deleted monitor leaves

    assert (await api.delete(path, headers=alice)).status_code == 204
    assert (await api.get(path, headers=alice)).status_code == 404
    assert (await api.delete(path, headers=alice)).status_code == 404


async def test_pages_are_listed_in_pages(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    for n in range(3):
        made = await api.post("/api/status-pages", headers=alice, json={"slug": f"p{n}", "title": "P"})
        assert made.status_code == 201
    first = (await api.get("/api/status-pages", headers=alice, params={"limit": 2})).json()
    assert [p["slug"] for p in first["items"]] == ["p0", "p1"] and first["next_cursor"]
    rest = (await api.get("/api/status-pages", headers=alice, params={"cursor": first["next_cursor"]})).json()
    assert [p["slug"] for p in rest["items"]] == ["p2"] and rest["next_cursor"] is None


@pytest.mark.parametrize(("body", "where", "says"), [
    ({"slug": "Acme", "title": "T"}, "body.slug", "pattern"),
    ({"slug": "-acme", "title": "T"}, "body.slug", "pattern"),
    ({"slug": "acme.json", "title": "T"}, "body.slug", "pattern"),
    ({"slug": "a" * 65, "title": "T"}, "body.slug", "at most 64"),
    ({"slug": "acme", "title": ""}, "body.title", "at least 1"),
    ({"slug": "acme"}, "body.title", "required"),
    ({"slug": "acme", "title": "T", "monitor_ids": [1], "groups": []}, "body", "not both"),
    ({"slug": "acme", "title": "T", "colour": "red"}, "body.colour", "not permitted"),
])
async def test_bad_input_is_a_422_that_says_where(api: httpx.AsyncClient, make_user, body, where, says) -> None:
    alice = await make_user("alice@example.com")
    messages = _messages(await api.post("/api/status-pages", headers=alice, json=body))
    assert where in messages and says in messages[where], messages


async def test_slugs_are_unique_over_every_organization(api: httpx.AsyncClient, make_user) -> None:
    alice, bob = await make_user("alice@example.com"), await make_user("bob@example.com")
    assert (await api.post("/api/status-pages", headers=alice, json={"slug": "acme", "title": "A"})).status_code == 201
    taken = _messages(await api.post("/api/status-pages", headers=bob, json={"slug": "acme", "title": "B"}))
    assert taken == {"body.slug": "this slug is taken: choose another"}
    mine = (await api.post("/api/status-pages", headers=bob, json={"slug": "bobs", "title": "B"})).json()
    assert _messages(await api.patch(f"/api/status-pages/{mine['id']}", headers=bob,
                                     json={"slug": "acme"})) == {"body.slug": "this slug is taken: choose another"}
    same = await api.patch(f"/api/status-pages/{mine['id']}", headers=bob, json={"slug": "bobs"})
    assert same.status_code == 200, same.text


async def test_monitors_must_be_the_organizations_and_once(api: httpx.AsyncClient, make_user) -> None:
    alice, bob = await make_user("alice@example.com"), await make_user("bob@example.com")
    hers, his = await _monitor(api, alice, "https://a.example.com"), await _monitor(api, bob, "https://b.example.com")
    refused = _messages(await api.post("/api/status-pages", headers=alice,
                                       json={"slug": "acme", "title": "A", "monitor_ids": [hers, his]}))
    assert refused == {"body.groups": f"no monitor {his} in this organization"}
    twice = _messages(await api.post("/api/status-pages", headers=alice, json={
        "slug": "acme", "title": "A", "groups": [{"name": "x", "monitors": [{"monitor_id": hers}]},
                                                  {"name": "y", "monitors": [{"monitor_id": hers}]}]}))
    assert twice == {"body.groups": f"monitor {hers} is on the page more than once"}
    same_name = _messages(await api.post("/api/status-pages", headers=alice, json={
        "slug": "acme", "title": "A", "groups": [{"name": "x", "monitors": []}, {"name": "x", "monitors": []}]}))
    assert same_name == {"body.groups": "two groups have the same name"}
    assert (await api.get("/api/status-pages", headers=alice)).json()["items"] == []  # nothing half-written


async def test_another_organizations_page_is_404(api: httpx.AsyncClient, make_user) -> None:
    alice, bob = await make_user("alice@example.com"), await make_user("bob@example.com")
    page = (await api.post("/api/status-pages", headers=alice, json={"slug": "acme", "title": "A"})).json()
    path = f"/api/status-pages/{page['id']}"
    assert (await api.get(path, headers=bob)).status_code == 404
    assert (await api.patch(path, headers=bob, json={"title": "mine"})).status_code == 404
    assert (await api.delete(path, headers=bob)).status_code == 404
    assert (await api.get("/api/status-pages", headers=bob)).json()["items"] == []
    assert (await api.get(path, headers=alice)).json()["title"] == "A"


async def test_changes_are_in_the_audit_log(api: httpx.AsyncClient, make_user, database_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from uptick_common.db.engine import sqlalchemy_url

    alice = await make_user("alice@example.com")
    page = (await api.post("/api/status-pages", headers=alice, json={"slug": "acme", "title": "A"})).json()
    await api.patch(f"/api/status-pages/{page['id']}", headers=alice, json={"title": "B", "monitor_ids": []})
    await api.delete(f"/api/status-pages/{page['id']}", headers=alice)
    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT action, details FROM audit_log WHERE target_type = 'status_page'"
                                            " ORDER BY id"))).all()
    finally:
        await engine.dispose()
    assert [tuple(r) for r in rows] == [("status_page.created", {"slug": "acme"}),
                                        ("status_page.updated", {"fields": ["monitors", "title"]}),
                                        ("status_page.deleted", {"slug": "acme"})]
