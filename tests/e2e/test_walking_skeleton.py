"""A user's first minutes, through the router, with every service in its own process."""

import httpx

from tests.e2e.helpers import Target, eventually, sign_up_and_log_in

PASSWORD = "correct horse battery staple"


async def test_sign_up_add_a_url_and_see_it_checked_from_two_regions(stack, target: Target) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        auth = await sign_up_and_log_in(client, "ada@example.com", PASSWORD)
        created = await client.post("/api/monitors", headers=auth, json={
            "url": target.url, "name": "local target", "interval_seconds": 10, "timeout_seconds": 2})
        assert created.status_code == 201, created.text
        path = f"/api/monitors/{created.json()['id']}"

        async def summary() -> dict:
            return (await client.get(path, headers=auth)).json()

        async def up_in_both_regions() -> dict | None:
            s = await summary()
            regions = s["region_status"]
            ok = s["status"] == "up" and set(regions) == {"eu-west", "us-east"} and s["recent_latencies_ms"]
            return s if ok else None

        first = await eventually(up_in_both_regions, timeout=30)
        assert first["last_latency_ms"] is not None and first["last_checked_at"] is not None
        ticks = (await client.get(path + "/ticks", headers=auth, params={"limit": 10})).json()["items"]
        assert {t["region"] for t in ticks} == {"eu-west", "us-east"}
        assert all(t["status"] == "up" and t["http_status"] == 200 for t in ticks)
        assert [t["scheduled_at"] for t in ticks] == sorted((t["scheduled_at"] for t in ticks), reverse=True)

        target.mode = "error"

        async def down_because(reason: str):
            async def probe() -> dict | None:
                s = await summary()
                return s if s["status"] == "down" and reason in (s["last_error"] or "") else None
            return await eventually(probe, timeout=30)

        await down_because("500")
        ticks = (await client.get(path + "/ticks", headers=auth, params={"limit": 2})).json()["items"]
        assert ticks[0]["status"] == "down" and ticks[0]["http_status"] == 500

        await target.stop()
        await down_because("refused")

        target.mode = "ok"
        await target.start()
        await eventually(up_in_both_regions, timeout=30)

        # The history of these minutes, from the rollups ingest kept: checks up and down, one incident over.
        uptime = (await client.get(path + "/uptime", headers=auth)).json()
        assert uptime["resolution"] == "minute" and set(uptime["regions"]) == {"eu-west", "us-east"}
        assert uptime["down_checks"] > 0 and 0 < uptime["uptime_percent"] < 100
        assert 0 < (await summary())["uptime_24h"] < 100
        (report,) = (await client.get("/api/reports/sla", headers=auth)).json()["monitors"]
        assert report["incidents"] == 1 and report["mttr_minutes"] > 0 and report["downtime_minutes"] > 0

    logs = stack.logs.text()
    assert PASSWORD not in logs
    assert auth["Authorization"].split()[1] not in logs
