"""Ingest killed -9 again and again while incidents open and resolve: every incident is told down once and
resolved once per channel, nothing is lost and nothing sent twice (the notifications exist once, in the
transaction of the transition that a redelivered result never repeats)."""

import asyncio
import signal
from collections import Counter

import httpx
import pytest

from tests.e2e.helpers import FAST, Target, eventually, sign_up_and_log_in
from uptick_devstack.sinks import HttpSink

MONITORS = 6


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    return {**FAST, "UPTICK_POLL_SECONDS": "0.1", "UPTICK_STORM_GATHER_SECONDS": "1"}


async def test_ingest_killed_during_alerting_loses_nothing_and_sends_nothing_twice(stack, target: Target) -> None:
    hook = await HttpSink().start()
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            auth = await sign_up_and_log_in(client, "ada@example.com", "correct horse battery staple")
            await client.post("/api/channels", headers=auth, json={
                "type": "webhook", "name": "hook", "config": {"url": hook.url()}, "is_default": True})
            for n in range(MONITORS):
                await client.post("/api/monitors", headers=auth, json={
                    "url": f"{target.url}?m={n}", "name": f"shop-{n}", "interval_seconds": 10, "timeout_seconds": 2})

            async def statuses() -> set[str]:
                items = (await client.get("/api/monitors?limit=100", headers=auth)).json()["items"]
                return {m["status"] for m in items} if len(items) == MONITORS else set()

            await eventually(lambda: _only(statuses, "up"), timeout=40)
            for mode, event in (("error", "down"), ("ok", "resolved")):
                target.mode = mode
                for _ in range(3):  # while the transitions are being ingested
                    await asyncio.sleep(1.5)
                    stack.kill("ingest", signal.SIGKILL)
                    await stack.wait_exit("ingest")
                    await stack.start_service("ingest")
                await eventually(lambda event=event: _all_told(hook, event), timeout=60)
            await asyncio.sleep(3)  # anything sent twice arrives

            incidents = (await client.get("/api/incidents?limit=100", headers=auth)).json()["items"]
            assert len(incidents) == MONITORS and {i["status"] for i in incidents} == {"resolved"}
            told = _told(hook)
            assert told == Counter({("down", i["id"]): 1 for i in incidents}
                                   | {("resolved", i["id"]): 1 for i in incidents})
            ids = [r.headers["webhook-id"] for r in hook.received]
            assert len(ids) == len(set(ids))  # no notifier died: not even a resend under the same key
            for incident in incidents:
                events = (await client.get(f"/api/incidents/{incident['id']}", headers=auth)).json()["events"]
                assert [e["kind"] for e in events] == ["opened", "resolved"]
    finally:
        await hook.stop()


async def _only(probe, value: str) -> bool:
    return await probe() == {value}


def _told(hook: HttpSink) -> Counter[tuple[str, int]]:
    bodies = [r.json()["data"] for r in hook.received]
    return Counter((data["event"], i["incident"]["id"]) for data in bodies for i in data["incidents"])


async def _all_told(hook: HttpSink, event: str) -> bool:
    return sum(1 for e, _ in _told(hook) if e == event) >= MONITORS
