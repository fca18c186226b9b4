"""A maintenance window end to end, every service its own process: a target that fails inside the window makes
its monitor `maintenance` and opens nothing, tells nothing but the window's own notices (start and end, once
each); after the window it is down, with one incident and exactly one `down` notification; the time counts as
maintenance, not downtime."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.helpers import FAST, Target, eventually, sign_up_and_log_in
from uptick_devstack.sinks import HttpSink

WINDOW = timedelta(seconds=40)


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    return {**FAST, "UPTICK_POLL_SECONDS": "0.1", "UPTICK_REMINDER_CHECK_SECONDS": "0.5",
            "UPTICK_MAINTENANCE_REFRESH_SECONDS": "0.5"}


async def test_a_window_silences_a_failing_target_and_tells_its_start_and_end_once(stack, target: Target) -> None:
    hook = await HttpSink().start()
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            auth = await sign_up_and_log_in(client, "ada@example.com", "correct horse battery staple")
            channel = (await client.post("/api/channels", headers=auth, json={
                "type": "webhook", "name": "hook", "config": {"url": hook.url()}, "is_default": True})).json()
            monitor = (await client.post("/api/monitors", headers=auth, json={
                "url": target.url, "name": "shop", "interval_seconds": 10, "timeout_seconds": 2})).json()

            async def status() -> str:
                return (await client.get(f"/api/monitors/{monitor['id']}", headers=auth)).json()["status"]

            await eventually(lambda: _is(status, "up"), timeout=30)
            now = datetime.now(UTC)
            window = await client.post("/api/maintenance", headers=auth, json={
                "name": "db upgrade", "monitor_ids": [monitor["id"]], "kind": "once", "notify": True,
                "starts_at": now.isoformat(), "ends_at": (now + WINDOW).isoformat()})
            assert window.status_code == 201, window.text
            assert window.json()["active"]
            await eventually(lambda: _types(hook, ["maintenance.started"]), timeout=15)
            await asyncio.sleep(1)  # ingest has the window (it looks every 0.5 s)
            target.mode = "error"
            await eventually(lambda: _is(status, "maintenance"), timeout=30)
            down_ticks = await _down_ticks(client, auth, monitor["id"])
            await eventually(lambda: _more_down_ticks(client, auth, monitor["id"], down_ticks + 2), timeout=30)
            assert await status() == "maintenance"
            assert (await client.get("/api/incidents", headers=auth)).json()["items"] == []
            assert [r.json()["type"] for r in hook.received] == ["maintenance.started"]

            # After the window: the end is told, then the monitor is down from its first check after it.
            await eventually(lambda: _types(hook, ["maintenance.started", "maintenance.ended", "incident.down"]),
                             timeout=WINDOW.total_seconds() + 40)
            await asyncio.sleep(3)  # time for anything told twice to arrive
            started, ended, down = hook.received
            assert len(hook.received) == 3
            secret = channel["config"]["secret"]
            notice = Webhook(secret).verify(started.body, started.headers)["data"]["maintenance"]
            assert notice["name"] == "db upgrade" and notice["monitors"] == ["shop"]
            assert Webhook(secret).verify(ended.body, ended.headers)["data"]["maintenance"]["id"] == notice["id"]
            assert len({r.headers["webhook-id"] for r in hook.received}) == 3
            [incident] = (await client.get("/api/incidents", headers=auth)).json()["items"]
            assert datetime.fromisoformat(incident["started_at"]) >= now + WINDOW  # not from inside the window
            assert Webhook(secret).verify(down.body, down.headers)["data"]["incident"]["id"] == incident["id"]

            # The failures inside the window count as maintenance time, not as down checks or downtime.
            uptime = (await client.get(f"/api/monitors/{monitor['id']}/uptime", headers=auth)).json()
            failed = await _down_ticks(client, auth, monitor["id"])
            assert uptime["maintenance_seconds"] >= 10 * (down_ticks + 2)  # each check inside counts its interval
            assert 0 < uptime["down_checks"] <= failed - (down_ticks + 2)
            assert "down" in await _maintenance_ticks(client, auth, monitor["id"])  # stored, and marked
    finally:
        await hook.stop()


async def _is(probe, value: str) -> bool:
    return await probe() == value


async def _types(hook: HttpSink, expected: list[str]) -> bool:
    return [r.json()["type"] for r in hook.received] == expected


async def _down_ticks(client: httpx.AsyncClient, auth: dict[str, str], monitor_id: int) -> int:
    ticks = (await client.get(f"/api/monitors/{monitor_id}/ticks?limit=200", headers=auth)).json()["items"]
    return sum(t["status"] == "down" for t in ticks)


async def _maintenance_ticks(client: httpx.AsyncClient, auth: dict[str, str], monitor_id: int) -> set[str]:
    ticks = (await client.get(f"/api/monitors/{monitor_id}/ticks?limit=200", headers=auth)).json()["items"]
    return {t["status"] for t in ticks if t["maintenance"]}


async def _more_down_ticks(client: httpx.AsyncClient, auth: dict[str, str], monitor_id: int, count: int) -> bool:
    return await _down_ticks(client, auth, monitor_id) >= count
