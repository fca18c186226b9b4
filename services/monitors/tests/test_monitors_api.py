import json

import httpx
import pytest


async def test_create_read_list_update_delete(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    created = await api.post("/api/monitors", headers=alice, json={"url": "https://example.com/health"})
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert monitor["name"] == "example.com"
    assert monitor["interval_seconds"] == 180
    assert monitor["regions"] == ["eu-west", "us-east"]
    assert monitor["status"] == "pending"
    assert monitor["recent_latencies_ms"] == [] and monitor["last_checked_at"] is None

    read = await api.get(f"/api/monitors/{monitor['id']}", headers=alice)
    assert read.json()["url"] == "https://example.com/health"

    paused = await api.patch(f"/api/monitors/{monitor['id']}", headers=alice, json={"paused": True})
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    resumed = await api.patch(f"/api/monitors/{monitor['id']}", headers=alice,
                              json={"paused": False, "interval_seconds": 30, "regions": ["us-east"]})
    assert resumed.json()["status"] == "pending"
    assert resumed.json()["interval_seconds"] == 30 and resumed.json()["regions"] == ["us-east"]

    listing = await api.get("/api/monitors", headers=alice)
    assert [m["id"] for m in listing.json()["items"]] == [monitor["id"]]

    assert (await api.delete(f"/api/monitors/{monitor['id']}", headers=alice)).status_code == 204
    assert (await api.get(f"/api/monitors/{monitor['id']}", headers=alice)).status_code == 404


async def test_pagination_walks_every_monitor_once(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    for i in range(5):
        await api.post("/api/monitors", headers=alice, json={"url": f"https://example.com/{i}"})
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/api/monitors", headers=alice, params=params)).json()
        seen += [m["url"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"https://example.com/{i}" for i in range(5)]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"url": "ftp://example.com"}, "URL scheme should be 'http' or 'https'"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://example.com", "interval_seconds": 5}, "greater than or equal to 10"),
        ({"url": "https://example.com", "timeout_seconds": 0}, "greater than or equal to 1"),
        ({"url": "https://example.com", "interval_seconds": 10, "timeout_seconds": 30}, "must be shorter"),
        ({"url": "https://example.com", "regions": ["mars"]}, "unknown region(s) mars"),
        ({"url": "https://example.com", "regions": []}, "at least 1 item"),
        ({"url": "https://example.com", "colour": "red"}, "Extra inputs are not permitted"),
        ({"url": "https://example.com", "name": ""}, "at least 1 character"),
        ({"url": "https://example.com/" + "a" * 3000}, "URL should have at most"),
        ({"type": "tcp", "url": None}, "url is required for a tcp monitor"),  # was a TypeError: a 500
    ],
)
async def test_bad_input_is_a_clear_422(api: httpx.AsyncClient, make_user, body: dict, complaint: str) -> None:
    alice = await make_user("alice@example.com")
    answer = await api.post("/api/monitors", headers=alice, json=body)
    assert answer.status_code == 422
    assert complaint in answer.text
    # The shape the OpenAPI document declares for a 422, for the service's own rules too.
    assert all(set(error) >= {"type", "loc", "msg"} for error in answer.json()["detail"])
    assert (await api.get("/api/monitors", headers=alice)).json()["items"] == []  # no partial write


async def test_bad_patch_changes_nothing(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    monitor = (await api.post("/api/monitors", headers=alice,
                              json={"url": "https://example.com", "interval_seconds": 60})).json()
    for body in ({"timeout_seconds": 60}, {"regions": ["mars"]}, {"name": None}, {"interval_seconds": "x"}):
        answer = await api.patch(f"/api/monitors/{monitor['id']}", headers=alice, json=body)
        assert answer.status_code == 422, body
    after = (await api.get(f"/api/monitors/{monitor['id']}", headers=alice)).json()
    assert after["timeout_seconds"] == 10 and after["regions"] == ["eu-west", "us-east"] and after["name"]


async def test_another_users_monitor_is_not_found(api: httpx.AsyncClient, make_user) -> None:
    alice, bob = await make_user("alice@example.com"), await make_user("bob@example.com")
    monitor = (await api.post("/api/monitors", headers=alice, json={"url": "https://example.com"})).json()
    path = f"/api/monitors/{monitor['id']}"
    assert (await api.get(path, headers=bob)).status_code == 404
    assert (await api.get(path + "/ticks", headers=bob)).status_code == 404
    assert (await api.patch(path, headers=bob, json={"paused": True})).status_code == 404
    assert (await api.delete(path, headers=bob)).status_code == 404
    assert (await api.get("/api/monitors", headers=bob)).json()["items"] == []
    assert (await api.get(path, headers=alice)).json()["paused"] is False


async def test_requests_without_a_valid_token_are_401(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/monitors")).status_code == 401
    answer = await api.get("/api/monitors", headers={"Authorization": "Bearer nonsense"})
    assert answer.status_code == 401 and answer.json() == {"detail": "invalid or expired token"}


async def test_bad_cursors_are_422(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    monitor = (await api.post("/api/monitors", headers=alice, json={"url": "https://example.com"})).json()
    assert (await api.get("/api/monitors", headers=alice, params={"cursor": "x"})).status_code == 422
    ticks = f"/api/monitors/{monitor['id']}/ticks"
    assert (await api.get(ticks, headers=alice, params={"cursor": "12~"})).status_code == 422
    assert (await api.get(ticks, headers=alice, params={"limit": 0})).status_code == 422


@pytest.mark.parametrize(("method", "path", "params", "body"), [
    ("GET", "/api/monitors", {"cursor": "²"}, None),  # a digit to str.isdigit(), not to int()
    ("GET", "/api/monitors", {"cursor": "1" * 19}, None),
    ("GET", "{monitor}/ticks", {"cursor": "999999999999999999~eu-west"}, None),  # past the year 9999
    ("GET", "{monitor}/ticks", {"region": "eu\x00west"}, None),
    ("GET", f"/api/monitors/{2**64}", {}, None),
    ("PATCH", f"/api/monitors/{2**63}", {}, {"paused": True}),
    ("DELETE", "/api/monitors/99999999999999999999999999", {}, None),
    ("POST", "/api/monitors", {}, {"url": "https://example.com", "name": "nul\x00name"}),
    ("POST", "/api/monitors", {}, {"url": "https://example.com", "assertions": ["[BODY].n < NaN"]}),
    ("POST", "/api/monitors", {}, {"url": "https://example.com", "headers": {"X-Api-Key": "\ud800"}}),
    ("PATCH", "{monitor}", {}, {"name": "a\x00"}),
])
async def test_input_no_column_could_hold_is_a_422_not_a_500(api: httpx.AsyncClient, make_user, method: str,
                                                             path: str, params: dict, body: dict | None) -> None:
    alice = await make_user("alice@example.com")
    monitor = (await api.post("/api/monitors", headers=alice, json={"url": "https://example.com"})).json()
    path = path.format(monitor=f"/api/monitors/{monitor['id']}")
    content = json.dumps(body).encode() if body is not None else None
    answer = await api.request(method, path, params=params, content=content,
                               headers=alice | {"content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert isinstance(answer.json()["detail"], list) and answer.json()["detail"][0]["msg"]
    after = (await api.get(f"/api/monitors/{monitor['id']}", headers=alice)).json()
    assert after["name"] == "example.com" and after["assertions"] == []  # nothing half-written


async def test_a_heartbeat_token_with_nul_is_a_clear_4xx(api: httpx.AsyncClient) -> None:
    for path in ("/api/heartbeats/abc%00def", "/api/heartbeats/abc%00def/fail"):
        answer = await api.post(path)
        assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["path"]


async def test_openapi_is_served_under_the_prefix(api: httpx.AsyncClient) -> None:
    spec = (await api.get("/api/openapi.json")).json()
    assert "/api/monitors/{monitor_id}/ticks" in spec["paths"]


async def test_quorum_and_periods_are_kept_and_validated(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    created = await api.post("/api/monitors", headers=alice, json={
        "url": "https://example.com", "quorum": 2, "confirmation_period_seconds": 60,
        "recovery_period_seconds": 120})
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert (monitor["quorum"], monitor["confirmation_period_seconds"], monitor["recovery_period_seconds"]) == (
        2, 60, 120)
    path = f"/api/monitors/{monitor['id']}"
    too_many = await api.patch(path, headers=alice, json={"regions": ["eu-west"]})
    assert too_many.status_code == 422 and "quorum (2) cannot exceed the number of regions (1)" in too_many.text
    assert (await api.patch(path, headers=alice, json={"quorum": None, "regions": ["eu-west"]})).status_code == 200
    bad = await api.post("/api/monitors", headers=alice, json={"url": "https://example.com", "quorum": 3})
    assert bad.status_code == 422 and "cannot exceed" in bad.text
    assert (await api.post("/api/monitors", headers=alice, json={
        "url": "https://example.com", "recovery_period_seconds": -1})).status_code == 422


async def test_patching_regions_to_null_means_every_region(api: httpx.AsyncClient, make_user) -> None:
    """As at creation: a monitor with no regions would never be checked, silently."""
    alice = await make_user("alice@example.com")
    monitor = (await api.post("/api/monitors", headers=alice,
                              json={"url": "https://example.com", "regions": ["us-east"]})).json()
    patched = await api.patch(f"/api/monitors/{monitor['id']}", headers=alice, json={"regions": None})
    assert patched.status_code == 200 and patched.json()["regions"] == ["eu-west", "us-east"]
