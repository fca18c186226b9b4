"""Heartbeat monitors through the API: a secret push URL whose pings become results."""

import httpx
import redis.asyncio as aioredis

from uptick_common.streams import RESULTS_STREAM, CheckResult


async def results(redis_url: str) -> list[CheckResult]:
    client = aioredis.Redis.from_url(redis_url)
    try:
        return [CheckResult.from_fields(f) for _, f in await client.xrange(RESULTS_STREAM)]
    finally:
        await client.aclose()


async def test_a_heartbeat_monitor_gets_a_secret_push_url(api: httpx.AsyncClient, make_user, redis_url) -> None:
    alice = await make_user("alice@example.com")
    created = await api.post("/api/monitors", headers=alice, json={
        "type": "heartbeat", "name": "nightly backup", "interval_seconds": 86400, "grace_seconds": 3600})
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert monitor["regions"] == ["push"] and monitor["grace_seconds"] == 3600
    push = monitor["heartbeat_url"]
    assert push.startswith("/api/heartbeats/") and len(push) > len("/api/heartbeats/") + 30
    assert monitor["url"] == push and monitor["status"] == "pending"

    assert (await api.post(push)).json() == {"ok": True}  # no credentials needed: the URL is the secret
    assert (await api.get(push + "/fail")).status_code == 200
    found = await results(redis_url)
    assert [(r.monitor_id, r.region, r.status) for r in found] == [
        (monitor["id"], "push", "up"), (monitor["id"], "push", "down")]
    assert found[1].error == "the job reported a failure"


async def test_unknown_and_paused_heartbeats_are_404(api: httpx.AsyncClient, make_user, redis_url) -> None:
    alice = await make_user("alice@example.com")
    monitor = (await api.post("/api/monitors", headers=alice, json={"type": "heartbeat"})).json()
    assert (await api.get("/api/heartbeats/not-a-token")).status_code == 404
    assert (await api.get("/api/heartbeats/" + "x" * 500)).status_code == 404
    await api.patch(f"/api/monitors/{monitor['id']}", headers=alice, json={"paused": True})
    assert (await api.get(monitor["heartbeat_url"])).status_code == 404
    assert await results(redis_url) == []


async def test_a_monitor_cannot_turn_into_a_heartbeat(api: httpx.AsyncClient, make_user) -> None:
    alice = await make_user("alice@example.com")
    web = (await api.post("/api/monitors", headers=alice, json={"url": "https://example.com"})).json()
    answer = await api.patch(f"/api/monitors/{web['id']}", headers=alice, json={"type": "heartbeat"})
    assert answer.status_code == 422 and "create a new one" in answer.text
    assert (await api.post("/api/monitors", headers=alice, json={"type": "http"})).status_code == 422


async def test_a_ping_and_a_failure_in_the_same_second_are_two_results(
        api: httpx.AsyncClient, make_user, redis_url, monkeypatch) -> None:
    alice = await make_user("alice@example.com")
    push = (await api.post("/api/monitors", headers=alice, json={"type": "heartbeat"})).json()["heartbeat_url"]
    monkeypatch.setattr("uptick_monitors.heartbeats.time.time_ns", lambda: 1_796_000_000_400_000_000)
    for path in (push, push + "/fail", push, push + "/fail"):
        assert (await api.post(path)).status_code == 200
    found = await results(redis_url)
    # Ingest keeps one tick per job (monitor, region, scheduled time): two distinct jobs, each sent twice.
    assert len({r.job_id for r in found}) == 2
    assert {r.job_id: r.status for r in found} == {
        found[0].job_id: "up", found[1].job_id: "down"} and found[1].scheduled_ms == found[0].scheduled_ms + 1
