"""A storm end to end: a dozen monitors of one organization on one target host go down together; each channel
is told once, in one grouped notification counting and listing them, and every incident is recorded; when
they recover, each channel is told once more. PagerDuty keeps one event per incident (its own lifecycle)."""

import asyncio

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.helpers import FAST, Target, eventually, sign_up_and_log_in
from uptick_devstack.mailsink import MailSink
from uptick_devstack.sinks import HttpSink

PASSWORD = "correct horse battery staple"
MONITORS = 12


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    # The monitors are checked every 10 s, each at its own phase: a gathering window longer than that takes
    # the whole outage into one group, whatever phase each monitor is at (with room for a loaded machine).
    return {**FAST, "UPTICK_POLL_SECONDS": "0.1", "UPTICK_STORM_GATHER_SECONDS": "16",
            "UPTICK_STORM_HOLD_SECONDS": "30"}


async def test_a_storm_is_one_notification_per_channel_and_every_incident_is_recorded(
        stack, target: Target) -> None:
    hook, pager, mail = await HttpSink().start(), await HttpSink().start(), MailSink()
    mail.start()
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            auth = await sign_up_and_log_in(client, "ada@example.com", PASSWORD)
            webhook = (await client.post("/api/channels", headers=auth, json={
                "type": "webhook", "name": "hook", "config": {"url": hook.url()}, "is_default": True})).json()
            await client.post("/api/channels", headers=auth, json={
                "type": "email", "name": "mail", "is_default": True, "config": {
                    "host": "127.0.0.1", "port": mail.port, "security": "none",
                    "from_address": "alerts@uptick.test", "to": ["oncall@shop.test"]}})
            await client.post("/api/channels", headers=auth, json={
                "type": "pagerduty", "name": "pd", "is_default": True,
                "config": {"routing_key": "R" * 32, "events_url": pager.url("/v2/enqueue")}})
            for n in range(MONITORS):
                created = await client.post("/api/monitors", headers=auth, json={
                    "url": f"{target.url}?shop={n}", "name": f"shop-{n}", "interval_seconds": 10,
                    "timeout_seconds": 2})
                assert created.status_code == 201, created.text

            async def statuses() -> list[str]:
                items = (await client.get("/api/monitors?limit=100", headers=auth)).json()["items"]
                return [m["status"] for m in items]

            await eventually(lambda: _all(statuses, "up"), timeout=40)
            target.mode = "error"
            await eventually(lambda: _all(statuses, "down"), timeout=40)
            await eventually(lambda: _count(hook, mail, 1), timeout=30)
            await eventually(lambda: _received(pager, MONITORS), timeout=30)
            await asyncio.sleep(3)  # time for anything sent twice, or a second group, to arrive

            [down] = hook.received
            body = Webhook(webhook["config"]["secret"]).verify(down.body, down.headers)
            assert body["type"] == "incident.down" and body["data"]["group"] is True
            assert body["data"]["count"] == MONITORS and body["data"]["title"] == f"DOWN: {MONITORS} monitors"
            told = sorted(i["monitor"]["name"] for i in body["data"]["incidents"])
            assert told == sorted(f"shop-{n}" for n in range(MONITORS))
            [down_mail] = mail.messages
            assert down_mail["Subject"] == f"DOWN: {MONITORS} monitors"
            assert all(f"- shop-{n} (" in down_mail.get_content() for n in range(MONITORS))
            assert len(pager.received) == MONITORS
            assert len({r.json()["dedup_key"] for r in pager.received}) == MONITORS
            incidents = (await client.get("/api/incidents?status=open&limit=100", headers=auth)).json()["items"]
            assert len(incidents) == MONITORS
            assert {i["id"] for i in incidents} == {i["incident"]["id"] for i in body["data"]["incidents"]}

            target.mode = "ok"
            await eventually(lambda: _all(statuses, "up"), timeout=40)
            await eventually(lambda: _count(hook, mail, 2), timeout=30)
            await eventually(lambda: _received(pager, 2 * MONITORS), timeout=30)
            await asyncio.sleep(3)
            assert len(hook.received) == 2 and len(mail.messages) == 2 and len(pager.received) == 2 * MONITORS
            resolved = Webhook(webhook["config"]["secret"]).verify(hook.received[1].body, hook.received[1].headers)
            assert resolved["type"] == "incident.resolved" and resolved["data"]["count"] == MONITORS
            attempts = (await client.get(f"/api/channels/{webhook['id']}/deliveries", headers=auth)).json()["items"]
            assert [(a["event"], a["outcome"]) for a in attempts] == [("resolved", "delivered"), ("down", "delivered")]
            assert all(sorted(a["incident_ids"]) == sorted(i["id"] for i in incidents) for a in attempts)
    finally:
        await hook.stop()
        await pager.stop()
        mail.stop()


async def _all(probe, value: str) -> bool:
    found = await probe()
    return len(found) == MONITORS and all(s == value for s in found)


async def _count(hook: HttpSink, mail: MailSink, count: int) -> bool:
    return len(hook.received) >= count and len(mail.messages) >= count


async def _received(sink: HttpSink, count: int) -> bool:
    return len(sink.received) >= count
