"""A region whose checkers fall silent: no monitor goes down for it, and the organization is told once that
checks from there stopped and once that they resumed, through its default channels; a notifier killed and
started again in between tells nothing twice."""

import asyncio
import signal

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.helpers import FAST, Target, eventually, sign_up_and_log_in
from uptick_devstack.sinks import HttpSink


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    return {**FAST, "UPTICK_REGION_CHECK_SECONDS": "1", "UPTICK_POLL_SECONDS": "0.1"}


async def test_a_silent_region_is_told_once_and_its_return_once(stack, target: Target) -> None:
    hook = await HttpSink().start()
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            auth = await sign_up_and_log_in(client, "ada@example.com", "correct horse battery staple")
            channel = (await client.post("/api/channels", headers=auth, json={
                "type": "webhook", "name": "ops", "config": {"url": hook.url()}, "is_default": True})).json()
            monitor = (await client.post("/api/monitors", headers=auth, json={
                "url": target.url, "name": "shop", "interval_seconds": 10, "timeout_seconds": 2})).json()

            async def regions_seen() -> bool:
                found = (await client.get(f"/api/monitors/{monitor['id']}", headers=auth)).json()
                return found["status"] == "up" and set(found["region_status"]) == {"eu-west", "us-east"}

            await eventually(regions_seen, timeout=40)
            stack.kill("checker-us-east", signal.SIGKILL)
            await stack.wait_exit("checker-us-east")
            await eventually(lambda: _received(hook, 1), timeout=90)
            stopped = Webhook(channel["config"]["secret"]).verify(hook.received[0].body, hook.received[0].headers)
            assert stopped["type"] == "region.silent" and stopped["data"]["region"]["name"] == "us-east"
            summary = (await client.get(f"/api/monitors/{monitor['id']}", headers=auth)).json()
            assert summary["status"] == "up" and summary["region_status"]["us-east"]["stale"] is True

            stack.kill("notifier", signal.SIGKILL)  # a restart while the region is silent tells nothing again
            await stack.wait_exit("notifier")
            await stack.start_service("notifier")
            await asyncio.sleep(5)
            assert len(hook.received) == 1

            await stack.start_service("checker-us-east")
            await eventually(lambda: _received(hook, 2), timeout=60)
            await asyncio.sleep(3)
            assert [r.json()["type"] for r in hook.received] == ["region.silent", "region.resumed"]
            assert len({r.headers["webhook-id"] for r in hook.received}) == 2
            [incidents] = [(await client.get("/api/incidents", headers=auth)).json()["items"]]
            assert incidents == []  # nobody was told anything was down
    finally:
        await hook.stop()


async def _received(sink: HttpSink, count: int) -> bool:
    return len(sink.received) >= count
