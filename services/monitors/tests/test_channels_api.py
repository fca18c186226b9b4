"""Channels through the API: validated when saved, secrets never shown back, a test notification answered
with what the receiver said, every delivery listed, a failing channel shown failing."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from uptick_common.netguard import parse_networks
from uptick_devstack.sinks import HttpSink
from uptick_notifier.outbound import Outbound
from uptick_notifier.settings import NotifierSettings
from uptick_notifier.worker import Notifier


@pytest.fixture
async def notifier(database_url: str, engine) -> AsyncIterator[Notifier]:
    """A real notifier working the outbox beside the API, allowed to reach loopback."""
    settings = NotifierSettings(database_url=database_url, poll_seconds=0.05, retry_base_seconds=0.05,
                                retry_cap_seconds=0.05, max_attempts=2)
    worker = Notifier(settings, engine, Outbound(parse_networks("127.0.0.0/8"), timeout=3))
    task = asyncio.create_task(worker.run())
    yield worker
    worker.request_stop()
    await task
    await worker.out.aclose()


async def test_channels_are_validated_and_their_secrets_not_shown(api, make_user) -> None:
    me = await make_user("a@example.com")
    bad = await api.post("/api/channels", headers=me, json={"type": "pagerduty", "name": "pd",
                                                             "config": {"routing_key": "too-short-a-secret"}})
    assert bad.status_code == 422 and "too-short-a-secret" not in bad.text
    [error] = bad.json()["detail"]  # named by its field, so that a form shows it beside that field
    assert error["loc"] == ["body", "config", "routing_key"] and "at least 32 characters" in error["msg"]
    assert (await api.post("/api/channels", headers=me, json={"type": "sms", "name": "x", "config": {}})).status_code \
        == 422
    made = await api.post("/api/channels", headers=me, json={
        "type": "slack", "name": "ops", "config": {"webhook_url": "https://hooks.slack.com/services/T/B/s3cr3t"}})
    assert made.status_code == 201, made.text
    channel = made.json()
    assert channel["config"] == {"webhook_url": "(hidden)"} and "s3cr3t" not in made.text
    assert channel["health"]["status"] == "unknown"
    renamed = await api.patch(f"/api/channels/{channel['id']}", headers=me,
                              json={"name": "ops-2", "config": {"webhook_url": "(hidden)"}, "is_default": True})
    assert renamed.status_code == 200 and renamed.json()["name"] == "ops-2" and renamed.json()["is_default"]
    listed = (await api.get("/api/channels", headers=me)).json()
    assert [c["name"] for c in listed["items"]] == ["ops-2"] and listed["next_cursor"] is None

    other = await make_user("b@example.com")
    assert (await api.get(f"/api/channels/{channel['id']}", headers=other)).status_code == 404
    assert (await api.delete(f"/api/channels/{channel['id']}", headers=other)).status_code == 404
    assert (await api.get("/api/channels", headers=other)).json()["items"] == []
    assert (await api.delete(f"/api/channels/{channel['id']}", headers=me)).status_code == 204
    assert (await api.get(f"/api/channels/{channel['id']}", headers=me)).status_code == 404


async def test_a_test_notification_shows_the_receivers_answer(api, make_user, http_sink: HttpSink, notifier) -> None:
    me = await make_user("a@example.com")
    made = (await api.post("/api/channels", headers=me, json={
        "type": "webhook", "name": "hook", "config": {"url": http_sink.url()}})).json()
    secret = made["config"]["secret"]
    assert secret.startswith("whsec_")  # shown to its owners: they need it to verify

    answer = await api.post(f"/api/channels/{made['id']}/test", headers=me)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "delivered" and answer.json()["status_code"] == 200
    assert answer.json()["answer"] == "ok"
    [got] = http_sink.received
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "test"

    http_sink.status, http_sink.answer = 410, "gone"
    answer = await api.post(f"/api/channels/{made['id']}/test", headers=me)
    assert answer.json()["outcome"] == "failed" and answer.json()["status_code"] == 410
    assert answer.json()["answer"] == "gone"
    channel = (await api.get(f"/api/channels/{made['id']}", headers=me)).json()
    assert channel["health"] == {"status": "failing", "consecutive_failures": 1,
                                 "last_attempt_at": channel["health"]["last_attempt_at"], "last_error": "gone"}

    deliveries = (await api.get(f"/api/channels/{made['id']}/deliveries", headers=me)).json()["items"]
    assert [(d["event"], d["outcome"], d["status_code"]) for d in deliveries] == [
        ("test", "failed", 410), ("test", "delivered", 200)]
    assert all(d["duration_ms"] is not None for d in deliveries)
    assert all(d["incident_ids"] == [] for d in deliveries)  # a test notification tells of no incident


async def test_a_receiver_on_a_private_address_is_refused_by_the_notifier(api, make_user, database_url,
                                                                          engine) -> None:
    me = await make_user("a@example.com")
    made = (await api.post("/api/channels", headers=me, json={
        "type": "ntfy", "name": "ntfy", "config": {"server_url": "http://169.254.169.254", "topic": "x"}})).json()
    strict = Notifier(NotifierSettings(database_url=database_url, poll_seconds=0.05), engine, Outbound((), timeout=2))
    task = asyncio.create_task(strict.run())
    answer = (await api.post(f"/api/channels/{made['id']}/test", headers=me)).json()
    strict.request_stop()
    await task
    await strict.out.aclose()
    assert answer["outcome"] == "failed" and answer["status_code"] is None
    assert answer["answer"] == "target address 169.254.169.254 is not allowed (link-local, cloud metadata)"


async def test_rotating_a_webhook_secret_keeps_the_old_one_signing_for_a_while(api, make_user, http_sink: HttpSink,
                                                                               notifier) -> None:
    me = await make_user("a@example.com")
    made = (await api.post("/api/channels", headers=me, json={
        "type": "webhook", "name": "hook", "config": {"url": http_sink.url()}})).json()
    rotated = (await api.patch(f"/api/channels/{made['id']}", headers=me, json={"rotate_secret": True})).json()
    assert rotated["config"]["secret"] != made["config"]["secret"]
    assert rotated["config"]["previous_secret"] == "(hidden)"
    await api.post(f"/api/channels/{made['id']}/test", headers=me)
    [got] = http_sink.received
    Webhook(made["config"]["secret"]).verify(got.body, got.headers)
    Webhook(rotated["config"]["secret"]).verify(got.body, got.headers)
    not_a_hook = (await api.post("/api/channels", headers=me, json={
        "type": "slack", "name": "s", "config": {"webhook_url": http_sink.url()}})).json()
    assert (await api.patch(f"/api/channels/{not_a_hook['id']}", headers=me,
                            json={"rotate_secret": True})).status_code == 422


async def test_without_a_notifier_the_test_says_it_is_queued(api, make_user, monkeypatch) -> None:
    from uptick_monitors.channels import service

    monkeypatch.setattr(service, "TEST_WAIT_SECONDS", 0.2)
    me = await make_user("a@example.com")
    made = (await api.post("/api/channels", headers=me, json={
        "type": "webhook", "name": "hook", "config": {"url": "https://example.com/hook"}})).json()
    answer = await api.post(f"/api/channels/{made['id']}/test", headers=me)
    assert answer.status_code == 202 and answer.json()["outcome"] == "queued"


async def test_a_monitor_names_its_channels_of_its_own_organization_only(api, make_user) -> None:
    me, them = await make_user("a@example.com"), await make_user("b@example.com")

    async def channel(headers: dict[str, str], name: str) -> int:
        made = await api.post("/api/channels", headers=headers, json={
            "type": "slack", "name": name, "config": {"webhook_url": "https://hooks.example/x"}})
        return made.json()["id"]

    mine, boss, theirs = await channel(me, "ops"), await channel(me, "boss"), await channel(them, "x")
    made = await api.post("/api/monitors", headers=me, json={
        "url": "https://shop.example/", "channel_ids": [mine], "reminder_interval_seconds": 600,
        "escalate_after_seconds": 900, "escalation_channel_ids": [boss]})
    assert made.status_code == 201, made.text
    monitor = made.json()
    assert (monitor["channel_ids"], monitor["reminder_interval_seconds"], monitor["escalate_after_seconds"],
            monitor["escalation_channel_ids"]) == ([mine], 600, 900, [boss])
    plain = (await api.post("/api/monitors", headers=me, json={"url": "https://blog.example/"})).json()
    assert plain["channel_ids"] is None and plain["reminder_interval_seconds"] is None  # the defaults, no reminders

    foreign = await api.post("/api/monitors", headers=me, json={"url": "https://x.example/", "channel_ids": [theirs]})
    assert foreign.status_code == 422 and f"no channel {theirs}" in foreign.text
    path = f"/api/monitors/{monitor['id']}"
    assert (await api.patch(path, headers=me, json={"escalation_channel_ids": [theirs]})).status_code == 422
    assert (await api.patch(path, headers=me, json={"reminder_interval_seconds": 5})).status_code == 422
    back = await api.patch(path, headers=me, json={"channel_ids": None, "reminder_interval_seconds": None})
    assert back.status_code == 200 and back.json()["channel_ids"] is None
    assert back.json()["reminder_interval_seconds"] is None and back.json()["escalation_channel_ids"] == [boss]

    assert (await api.patch(path, headers=me, json={"channel_ids": [mine, boss]})).status_code == 200
    assert (await api.delete(f"/api/channels/{mine}", headers=me)).status_code == 204
    assert (await api.get(path, headers=me)).json()["channel_ids"] == [boss]  # a deleted channel is let go


async def test_a_webhook_body_template_is_checked_when_saved_and_fills_the_body(
        api, make_user, http_sink: HttpSink, notifier) -> None:
    me = await make_user("a@example.com")
    bad = await api.post("/api/channels", headers=me, json={"type": "webhook", "name": "hook", "config": {
        "url": http_sink.url(), "body_template": {"text": "{data.title} on {data.secret_sauce}"}}})
    assert bad.status_code == 422
    [error] = bad.json()["detail"]
    assert error["loc"] == ["body", "config", "body_template"]
    assert "placeholder 2 is not a value of the default body" in error["msg"]
    assert "secret_sauce" not in bad.text  # what was sent is not echoed
    template = {"text": "Uptick says: {data.title} ({{{type}}})", "kind": "{type}", "how_many": "{data.count}",
                "monitor": "{data.monitor}", "keep": [1, True, None]}
    made = await api.post("/api/channels", headers=me, json={"type": "webhook", "name": "hook", "config": {
        "url": http_sink.url(), "body_template": template}})
    assert made.status_code == 201, made.text
    assert made.json()["config"]["body_template"] == template
    assert (await api.post(f"/api/channels/{made.json()['id']}/test", headers=me)).json()["outcome"] == "delivered"
    [got] = http_sink.received
    body = Webhook(made.json()["config"]["secret"]).verify(got.body, got.headers)  # signed as it was sent
    assert body == {"text": "Uptick says: Uptick test notification ({test})", "kind": "test", "how_many": 0,
                    "monitor": None, "keep": [1, True, None]}


async def test_a_webhooks_signing_secret_is_shown_to_editors_only(api, make_user, engine) -> None:
    # A viewer may read the channels, but the secret would let them forge the organization's webhooks.
    bob, carol = await make_user("bob@example.com"), await make_user("carol@example.com")
    async with engine.begin() as conn:
        org = await conn.scalar(text("INSERT INTO organizations (name) VALUES ('Acme') RETURNING id"))
        await conn.execute(text(
            "INSERT INTO memberships (org_id, user_id, role) SELECT :o, id, r FROM users"
            " JOIN (VALUES ('bob@example.com', 'editor'), ('carol@example.com', 'viewer')) v(e, r)"
            " ON v.e = users.email"), {"o": org})
    team = {"X-Uptick-Org": str(org)}
    made = await api.post("/api/channels", headers={**bob, **team},
                          json={"type": "webhook", "name": "hook", "config": {"url": "https://hooks.example/x"}})
    assert made.status_code == 201, made.text
    secret = made.json()["config"]["secret"]
    assert secret.startswith("whsec_")
    path = f"/api/channels/{made.json()['id']}"
    assert (await api.get(path, headers={**bob, **team})).json()["config"]["secret"] == secret
    as_viewer = {**carol, **team}
    for answer in (await api.get(path, headers=as_viewer), await api.get("/api/channels", headers=as_viewer)):
        assert answer.status_code == 200 and secret not in answer.text and "(hidden)" in answer.text


async def test_a_cursor_that_is_no_row_id_is_a_422(api, make_user) -> None:
    # "²" passes str.isdigit() but not int(): the shared id_cursor refuses it instead of a 500.
    me = await make_user("a@example.com")
    for path in ("/api/channels", "/api/incidents"):
        for cursor in ("x", "²", "1" * 19):
            answer = await api.get(path, headers=me, params={"cursor": cursor})
            assert answer.status_code == 422, answer.text
