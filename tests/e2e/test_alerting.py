"""Alerting end to end, every service its own process: a target breaks, each channel is told once; it
recovers, each is told once more; the notifier killed mid-delivery loses nothing and resends under the
same key."""

import asyncio
import signal

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.helpers import FAST, Target, eventually, sign_up_and_log_in
from uptick_devstack.mailsink import MailSink
from uptick_devstack.sinks import HttpSink

PASSWORD = "correct horse battery staple"


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    # A notifier that dies holds its notifications for the lease only; each attempt ends within 3 s.
    return {**FAST, "UPTICK_LEASE_SECONDS": "5", "UPTICK_ATTEMPT_TIMEOUT_SECONDS": "3",
            "UPTICK_POLL_SECONDS": "0.1"}


async def test_down_and_up_are_told_once_per_channel_and_a_killed_notifier_resends_with_the_same_key(
        stack, target: Target) -> None:
    hook, mail = await HttpSink().start(), MailSink()
    mail.start()
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            auth = await sign_up_and_log_in(client, "ada@example.com", PASSWORD)
            webhook = (await client.post("/api/channels", headers=auth, json={
                "type": "webhook", "name": "hook", "config": {"url": hook.url()}, "is_default": True})).json()
            email = (await client.post("/api/channels", headers=auth, json={
                "type": "email", "name": "mail", "is_default": True, "config": {
                    "host": "127.0.0.1", "port": mail.port, "security": "none",
                    "from_address": "alerts@uptick.test", "to": ["oncall@shop.test"]}})).json()
            tested = (await client.post(f"/api/channels/{email['id']}/test", headers=auth)).json()
            assert tested["outcome"] == "delivered" and tested["answer"] == "OK", tested
            mail.messages.clear()
            monitor = (await client.post("/api/monitors", headers=auth, json={
                "url": target.url, "name": "shop", "interval_seconds": 10, "timeout_seconds": 2})).json()

            async def status() -> str:
                return (await client.get(f"/api/monitors/{monitor['id']}", headers=auth)).json()["status"]

            await eventually(lambda: _is(status, "up"), timeout=30)
            target.mode = "error"
            await eventually(lambda: _at_least(hook, mail, 1), timeout=40)
            await asyncio.sleep(2)  # time for anything sent twice to arrive
            [down] = hook.received
            body = Webhook(webhook["config"]["secret"]).verify(down.body, down.headers)
            assert body["type"] == "incident.down" and body["data"]["monitor"]["name"] == "shop"
            assert "HTTP 500" in body["data"]["incident"]["cause"]
            assert body["data"]["incident"]["regions"] == ["eu-west", "us-east"]
            [down_mail] = mail.messages
            assert down_mail["Subject"] == "DOWN: shop" and "Seen from: eu-west, us-east" in down_mail.get_content()

            [incident] = (await client.get(f"/api/incidents?monitor_id={monitor['id']}", headers=auth)).json()["items"]
            assert incident["status"] == "open"
            assert body["data"]["incident"]["url"].endswith(f"/incidents/{incident['id']}")
            acked = await client.post(f"/api/incidents/{incident['id']}/ack", headers=auth)
            assert acked.json()["status"] == "acknowledged"

            # The resolution reaches the webhook's receiver, whose answer is late: the notifier dies waiting.
            hook.delay = 30
            target.mode = "ok"
            await eventually(lambda: _at_least(hook, None, 2), timeout=40)
            stack.kill("notifier", signal.SIGKILL)
            await stack.wait_exit("notifier")
            hook.delay = 0
            await stack.start_service("notifier")
            await eventually(lambda: _at_least(hook, None, 3), timeout=30)
            await eventually(lambda: _at_least(None, mail, 2), timeout=30)
            await asyncio.sleep(2)

            first, resent = hook.received[1:]
            assert first.headers["webhook-id"] == resent.headers["webhook-id"] != down.headers["webhook-id"]
            resolved = Webhook(webhook["config"]["secret"]).verify(resent.body, resent.headers)
            assert resolved["type"] == "incident.resolved"
            assert len(hook.received) == 3
            # The mail was not in flight when the notifier died (or, if it was, went again as the same message).
            ids = [m["Message-ID"] for m in mail.messages]
            assert [m["Subject"] for m in mail.messages if m["Message-ID"] == ids[-1]][0] == "RESOLVED: shop"
            assert len(set(ids)) == 2
            done = (await client.get(f"/api/incidents/{incident['id']}", headers=auth)).json()
            assert done["status"] == "resolved"
            assert [e["kind"] for e in done["events"]] == ["opened", "acknowledged", "resolved"]
            attempts = (await client.get(f"/api/channels/{webhook['id']}/deliveries", headers=auth)).json()["items"]
            assert [(a["event"], a["outcome"]) for a in attempts] == [
                ("resolved", "delivered"), ("resolved", "interrupted"), ("down", "delivered")]
    finally:
        await hook.stop()
        mail.stop()
    logs = stack.logs.text()
    assert webhook["config"]["secret"] not in logs


async def _is(probe, value: str) -> bool:
    return await probe() == value


async def _at_least(hook: HttpSink | None, mail: MailSink | None, count: int) -> bool:
    return (hook is None or len(hook.received) >= count) and (mail is None or len(mail.messages) >= count)
