"""Reminders and escalation on a short clock, through the running services, ended by the acknowledge link
that the notifications carry."""

import asyncio

import httpx
import pytest
from sqlalchemy import text

from tests.e2e.helpers import FAST, Target, eventually, sign_up_and_log_in
from uptick_devstack.sinks import HttpSink


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    return {**FAST, "UPTICK_POLL_SECONDS": "0.1", "UPTICK_REMINDER_CHECK_SECONDS": "0.5"}


async def test_reminders_and_escalation_until_the_link_acknowledges(stack, target: Target, engine) -> None:
    hook = await HttpSink().start()
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            auth = await sign_up_and_log_in(client, "ada@example.com", "correct horse battery staple")
            ops = await client.post("/api/channels", headers=auth, json={
                "type": "webhook", "name": "ops", "config": {"url": hook.url("/ops")}, "is_default": True})
            assert ops.status_code == 201, ops.text
            boss = (await client.post("/api/channels", headers=auth, json={
                "type": "webhook", "name": "boss", "config": {"url": hook.url("/boss")}})).json()
            monitor = (await client.post("/api/monitors", headers=auth, json={
                "url": target.url, "name": "shop", "interval_seconds": 10, "timeout_seconds": 2,
                "escalation_channel_ids": [boss["id"]]})).json()
            async with engine.begin() as conn:  # a short clock: the API's least is a minute
                await conn.execute(text("UPDATE monitors SET reminder_interval_seconds = 2, escalate_after_seconds = 3"
                                        " WHERE id = :m"), {"m": monitor["id"]})

            target.mode = "error"
            await eventually(lambda: _count(hook, "/boss", 1), timeout=60)  # down, reminders, then escalation
            await eventually(lambda: _count(hook, "/ops", 3), timeout=30)
            events = [r.json()["type"] for r in hook.at("/ops")]
            assert events[0] == "incident.down" and set(events[1:]) == {"incident.reminder"}
            assert hook.at("/boss")[0].json()["type"] == "incident.escalation"
            link = hook.at("/ops")[-1].json()["data"]["incident"]["ack_url"]
            assert link.startswith(stack.url + "/api/ack/")

            page = await client.get(link.removeprefix(stack.url))
            assert page.status_code == 200 and "Acknowledge" in page.text
            acked = await client.post(link.removeprefix(stack.url))
            assert acked.status_code == 200 and "acknowledged" in acked.text
            await asyncio.sleep(1)  # a reminder already queued may still arrive
            told = len(hook.received)
            await asyncio.sleep(5)  # more than two reminder intervals
            assert len(hook.received) == told
            assert (await client.post(link.removeprefix(stack.url))).status_code == 404  # used once
            [incident] = (await client.get("/api/incidents", headers=auth)).json()["items"]
            assert incident["status"] == "acknowledged"
    finally:
        await hook.stop()


async def _count(hook: HttpSink, path: str, count: int) -> bool:
    return len(hook.at(path)) >= count
