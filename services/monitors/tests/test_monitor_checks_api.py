"""Monitor types, HTTP options and assertions through the API: kept, normalised, validated; ticks show them."""

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from uptick_common.db.engine import sqlalchemy_url

FULL = {
    "url": "https://example.com/api/health",
    "method": "post",
    "headers": {"Authorization": "Bearer s3cret", "Accept": "application/json"},
    "body": ' {"probe": true}\n',
    "follow_redirects": False,
    "expected_status": [200, "201-204"],
    "verify_tls": False,
    "assertions": [
        {"type": "json_path", "path": "data.items[0].status", "op": "==", "value": "UP"},
        "[RESPONSE_TIME] < 500",
        "[HEADER].Content-Type contains json",
    ],
}


async def test_the_check_definition_is_kept_and_normalised(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    created = await api.post("/api/monitors", headers=alice, json=FULL)
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert monitor["type"] == "http" and monitor["method"] == "POST"
    assert monitor["headers"] == FULL["headers"] and monitor["body"] == FULL["body"]  # the body as given
    assert (monitor["follow_redirects"], monitor["verify_tls"]) == (False, False)
    assert monitor["expected_status"] == ["200", "201-204"]
    assert monitor["assertions"] == [
        {"type": "json_path", "path": "data.items[0].status", "op": "==", "value": "UP"},
        {"type": "response_time", "op": "<", "value": 500},
        {"type": "header", "name": "Content-Type", "op": "contains", "value": "json"},
    ]
    path = f"/api/monitors/{monitor['id']}"
    assert (await api.get(path, headers=alice)).json()["assertions"] == monitor["assertions"]
    listed = (await api.get("/api/monitors", headers=alice)).json()["items"][0]
    assert listed["method"] == "POST" and listed["expected_status"] == ["200", "201-204"]

    patched = await api.patch(path, headers=alice, json={"assertions": ["[BODY] contains ok"], "body": None,
                                                         "method": "GET"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["assertions"] == [{"type": "body", "op": "contains", "value": "ok"}]
    assert (patched.json()["body"], patched.json()["method"], patched.json()["headers"]) == (
        None, "GET", FULL["headers"])


async def test_defaults_are_todays_check(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    monitor = (await api.post("/api/monitors", headers=alice, json={"url": "https://example.com"})).json()
    assert {k: monitor[k] for k in ("type", "method", "headers", "body", "follow_redirects", "expected_status",
                                    "verify_tls", "assertions", "tls_warn_days")} == {
        "type": "http", "method": "GET", "headers": {}, "body": None, "follow_redirects": True,
        "expected_status": ["200-399"], "verify_tls": True, "assertions": [], "tls_warn_days": 14}


async def test_tcp_and_tls_monitors_take_host_and_port(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    tcp = await api.post("/api/monitors", headers=alice, json={"type": "tcp", "url": "db.example.com:5432"})
    assert tcp.status_code == 201, tcp.text
    assert (tcp.json()["url"], tcp.json()["name"]) == ("tcp://db.example.com:5432", "db.example.com")
    tls = await api.post("/api/monitors", headers=alice, json={
        "type": "tls", "url": "tls://[2001:db8::1]:443", "tls_warn_days": 30,
        "assertions": ["[CERTIFICATE_EXPIRATION] > 7d"]})
    assert tls.status_code == 201, tls.text
    assert (tls.json()["url"], tls.json()["tls_warn_days"]) == ("tls://[2001:db8::1]:443", 30)

    path = f"/api/monitors/{tcp.json()['id']}"
    back_to_http = await api.patch(path, headers=alice, json={"type": "http"})
    assert back_to_http.status_code == 422 and "url" in back_to_http.text
    switched = await api.patch(path, headers=alice, json={"type": "http", "url": "https://db.example.com/"})
    assert switched.status_code == 200 and switched.json()["url"] == "https://db.example.com/"
    wrong = await api.patch(path, headers=alice, json={"type": "tcp", "assertions": ["[STATUS] == 200"]})
    assert wrong.status_code == 422
    assert "a status assertion does not apply to a tcp monitor" in wrong.text
    assert (await api.get(path, headers=alice)).json()["type"] == "http"  # nothing of a refused patch is kept


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"assertions": [{"type": "regex", "value": "x"}]}, "does not match any of the expected tags"),
        ({"assertions": [{"type": "status", "op": "=~", "value": 200}]}, "Input should be"),
        ({"assertions": [{"type": "json_path", "path": "a..b", "op": "==", "value": 1}]}, "is not a path"),
        ({"assertions": [{"type": "json_path", "path": "n", "op": ">", "value": "x"}]}, "must be a number"),
        ({"assertions": [{"type": "response_time", "op": "<", "value": "fast"}]}, "valid integer"),
        ({"assertions": ["[STATUS] = 200"]}, "is not a condition such as"),
        ({"assertions": ["[NOPE] == 1"]}, "unknown placeholder"),
        ({"type": "tls", "url": "tls://example.com:443", "assertions": ["[BODY].a == 1"]},
         "a json_path assertion does not apply to a tls monitor"),
        ({"type": "tcp", "url": "example.com"}, "a tcp monitor's url is host:port"),
        ({"type": "tcp", "url": "https://example.com:443"}, "a tcp monitor's url is host:port"),
        ({"headers": {"X-Token": "line\nbreak"}}, "the value of the X-Token header holds control characters"),
        ({"expected_status": ["abc"]}, "is not a status code"),
        ({"method": "CONNECT"}, "Input should be 'GET'"),
        ({"tls_warn_days": -1}, "greater than or equal to 0"),
    ],
)
async def test_bad_definitions_are_a_clear_422(api: httpx.AsyncClient, make_user, change: dict,
                                               complaint: str) -> None:
    alice = await make_user("alice@example.com")
    answer = await api.post("/api/monitors", headers=alice, json={"url": "https://example.com", **change})
    assert answer.status_code == 422, answer.text
    assert complaint in answer.text
    assert "line\\nbreak" not in answer.text  # a header's value is not echoed back
    monitor = (await api.post("/api/monitors", headers=alice, json={"url": "https://example.com"})).json()
    patched = await api.patch(f"/api/monitors/{monitor['id']}", headers=alice, json=change)
    assert patched.status_code == 422 and complaint in patched.text, patched.text
    assert [m["id"] for m in (await api.get("/api/monitors", headers=alice)).json()["items"]] == [monitor["id"]]


async def test_ticks_show_phases_and_assertion_results(api: httpx.AsyncClient, make_user, database_url) -> None:
    alice = await make_user("alice@example.com")
    monitor = (await api.post("/api/monitors", headers=alice, json={"url": "https://example.com"})).json()
    engine = create_async_engine(sqlalchemy_url(database_url))
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO ticks (monitor_id, scheduled_at, region, checked_at, status, http_status, latency_ms, error,"
            " dns_ms, connect_ms, tls_ms, ttfb_ms, assertions) VALUES"
            " (:m, :t, 'eu-west', :t, 'down', 200, 90, :e, 4, 10, 20, 60, CAST(:a AS jsonb)),"
            " (:m, :t, 'us-east', :t, 'up', 200, 30, NULL, NULL, NULL, NULL, NULL, NULL)"),
            {"m": monitor["id"], "t": now, "e": 'assertion failed: [BODY].status == UP (got "DOWN")',
             "a": '[{"assertion": "[BODY].status == UP", "passed": false, "got": "\\"DOWN\\""}]'})
    await engine.dispose()
    ticks = (await api.get(f"/api/monitors/{monitor['id']}/ticks", headers=alice)).json()["items"]
    by_region = {t["region"]: t for t in ticks}
    assert by_region["eu-west"]["phases"] == {"dns_ms": 4, "connect_ms": 10, "tls_ms": 20, "ttfb_ms": 60,
                                              "total_ms": 90}
    assert by_region["eu-west"]["assertions"] == [
        {"assertion": "[BODY].status == UP", "passed": False, "got": '"DOWN"'}]
    assert by_region["us-east"]["phases"] == {"dns_ms": None, "connect_ms": None, "tls_ms": None,
                                              "ttfb_ms": None, "total_ms": 30}
    assert by_region["us-east"]["assertions"] is None


async def test_the_check_is_stored_whole_as_its_spec(api: httpx.AsyncClient, make_user, database_url: str) -> None:
    """Every CheckSpec option is in the monitor's `spec` column (nothing else lists them) and reads back as given."""
    from uptick_common.checks import CheckSpec

    alice = await make_user("alice@example.com")
    monitor = (await api.post("/api/monitors", headers=alice, json={**FULL, "tls_warn_days": 7})).json()
    patched = (await api.patch(f"/api/monitors/{monitor['id']}", headers=alice, json={"grace_seconds": 5})).json()
    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.connect() as conn:
            stored = (await conn.execute(text("SELECT spec FROM monitors WHERE id = :i"), {"i": monitor["id"]})
                      ).scalar_one()
    finally:
        await engine.dispose()
    assert set(stored) == set(CheckSpec.model_fields)
    assert CheckSpec.model_validate(stored) == CheckSpec.model_validate(
        {field: patched[field] for field in CheckSpec.model_fields})
    assert (patched["tls_warn_days"], patched["grace_seconds"], patched["method"]) == (7, 5, "POST")
