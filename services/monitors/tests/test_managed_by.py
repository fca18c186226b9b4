"""A monitor managed elsewhere (the Kubernetes operator's) is changed and deleted only from there: 409 otherwise."""

import httpx

WHERE = "kubernetes:shop/checkout:6f1c0c7e-0000-4000-8000-000000000001"


async def test_changed_only_where_it_is_managed(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    created = await api.post("/api/monitors", headers=alice,
                             json={"url": "https://example.com/health", "managed_by": WHERE})
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert monitor["managed_by"] == WHERE
    assert (await api.get("/api/monitors", headers=alice)).json()["items"][0]["managed_by"] == WHERE
    path = f"/api/monitors/{monitor['id']}"

    for elsewhere in ({}, {"X-Uptick-Managed-By": "kubernetes:shop/other:1"}):
        refused = await api.patch(path, headers={**alice, **elsewhere}, json={"paused": True})
        assert refused.status_code == 409
        assert refused.json()["detail"] == f"this monitor is managed by {WHERE}: change it there"
        assert (await api.delete(path, headers={**alice, **elsewhere})).status_code == 409
    assert (await api.get(path, headers=alice)).json()["paused"] is False

    manager = {**alice, "X-Uptick-Managed-By": WHERE}
    changed = await api.patch(path, headers=manager, json={"paused": True})
    assert changed.status_code == 200 and changed.json()["paused"] is True
    refused = await api.patch(path, headers=manager, json={"managed_by": None})
    assert refused.status_code == 422  # where it is managed is not a change the API takes
    assert (await api.delete(path, headers=manager)).status_code == 204
    assert (await api.get(path, headers=alice)).status_code == 404


async def test_a_monitor_managed_nowhere_else_ignores_the_header(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    monitor = (await api.post("/api/monitors", headers=alice, json={"url": "https://example.com/"})).json()
    assert monitor["managed_by"] is None
    path = f"/api/monitors/{monitor['id']}"
    changed = await api.patch(path, headers={**alice, "X-Uptick-Managed-By": WHERE}, json={"paused": True})
    assert changed.status_code == 200
    assert (await api.delete(path, headers=alice)).status_code == 204
