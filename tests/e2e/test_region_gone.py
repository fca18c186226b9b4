"""A region whose checkers are gone is left out of the quorum once it has been silent for three intervals."""

import signal
import time

import httpx

from tests.e2e.helpers import Target, eventually, sign_up_and_log_in


async def test_a_silent_region_stops_holding_the_monitor_up(stack, target: Target) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        auth = await sign_up_and_log_in(client, "regions@example.com", "a long enough password")
        created = await client.post("/api/monitors", headers=auth, json={
            "url": target.url, "interval_seconds": 10, "timeout_seconds": 2})
        path = f"/api/monitors/{created.json()['id']}"

        async def summary() -> dict:
            return (await client.get(path, headers=auth)).json()

        async def up_in_both() -> dict | None:
            s = await summary()
            return s if s["status"] == "up" and set(s["region_status"]) == {"eu-west", "us-east"} else None

        await eventually(up_in_both, timeout=30)
        stack.kill("checker-us-east", signal.SIGKILL)  # the region's checkers are gone
        await stack.wait_exit("checker-us-east")
        target.mode = "error"
        failing_since = time.monotonic()

        async def eu_west_down() -> dict | None:
            s = await summary()
            return s if s["region_status"]["eu-west"]["status"] == "down" else None

        # eu-west sees the failure, but us-east's last word (up) still counts: 1 of 2 is not a majority.
        held = await eventually(eu_west_down, timeout=30)
        assert held["status"] == "up" and held["region_status"]["us-east"]["stale"] is False

        async def down() -> dict | None:
            s = await summary()
            return s if s["status"] == "down" else None

        # Three intervals (+10 s) after its last result, us-east no longer votes: eu-west alone decides.
        gone = await eventually(down, timeout=100)
        assert time.monotonic() - failing_since > 15  # not on the first failure: only once us-east went stale
        assert gone["region_status"]["us-east"]["stale"] is True
        assert gone["region_status"]["us-east"]["status"] == "up"  # its last word, shown but not counted
        assert "500" in gone["last_error"]
