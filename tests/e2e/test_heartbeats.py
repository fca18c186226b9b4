"""A cron job's heartbeat through the running stack: pings keep it up, silence takes it down."""

import httpx

from tests.e2e.helpers import eventually, sign_up_and_log_in


async def test_a_heartbeat_goes_down_when_pings_stop_and_up_when_they_return(stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        auth = await sign_up_and_log_in(client, "cron@example.com", "a long enough password")
        created = await client.post("/api/monitors", headers=auth, json={
            "type": "heartbeat", "name": "nightly backup", "interval_seconds": 10})
        assert created.status_code == 201, created.text
        monitor = created.json()
        path = f"/api/monitors/{monitor['id']}"

        async def status_is(wanted: str):
            async def probe() -> dict | None:
                summary = (await client.get(path, headers=auth)).json()
                return summary if summary["status"] == wanted else None
            return probe

        assert (await client.post(monitor["heartbeat_url"])).status_code == 200
        await eventually(await status_is("up"), timeout=15)
        down = await eventually(await status_is("down"), timeout=40)  # no ping for 10 s: overdue
        assert down["last_error"].startswith("no ping for ")
        assert (await client.get(monitor["heartbeat_url"])).status_code == 200
        await eventually(await status_is("up"), timeout=15)
        ticks = (await client.get(path + "/ticks", headers=auth)).json()["items"]
        assert {t["region"] for t in ticks} == {"push"} and {t["status"] for t in ticks} == {"up", "down"}
