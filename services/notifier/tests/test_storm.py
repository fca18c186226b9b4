"""Storms collapse: many incidents of one event at once are one grouped notification per channel (PagerDuty
keeps one event per incident); a few go on their own; a group lost mid-send goes again under its key."""

import asyncio
from datetime import UTC, datetime

from prometheus_client import REGISTRY
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from uptick_common.channels import webhook
from uptick_common.channels.notification import Notification
from uptick_devstack.fixtures import add_channel, add_user
from uptick_devstack.sinks import HttpSink
from uptick_notifier import outbox
from uptick_notifier.outbound import Outbound
from uptick_notifier.settings import NotifierSettings
from uptick_notifier.storm import Gathering
from uptick_notifier.worker import Notifier, notification


def settings(database_url: str, **changes: object) -> NotifierSettings:
    return NotifierSettings(database_url=database_url, lease_seconds=30, attempt_timeout_seconds=3,
                            poll_seconds=0.05, **{"storm_gather_seconds": 0.3, "storm_threshold": 3,
                                                  "storm_hold_seconds": 1.0, **changes})


METRICS = ("uptick_notification_groups_total", "uptick_notifications_grouped_total",
           "uptick_alert_latency_seconds_count")


def metric(name: str, channel_type: str) -> float:
    return REGISTRY.get_sample_value(name, {"channel_type": channel_type}) or 0.0


async def queue(engine, channel_id: int, n: int, event: str = "down", first_incident: int = 1) -> list[int]:
    ids = []
    async with engine.begin() as conn:
        for incident in range(first_incident, first_incident + n):
            note = Notification(event=event, key="", occurred_at=datetime.now(UTC), monitor_id=incident,
                                monitor_name=f"shop-{incident}", monitor_url=f"https://shop-{incident}.example/",
                                incident_id=incident, started_at=datetime.now(UTC), cause="HTTP 503",
                                regions=["eu-west"])
            ids.append(await conn.scalar(text(
                "INSERT INTO outbox (channel_id, payload) VALUES (:c, CAST(:p AS jsonb)) RETURNING id"),
                {"c": channel_id, "p": note.model_dump_json()}))
    return ids


async def statuses(engine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {s: n for s, n in (await conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY 1"))).all()}


async def run(notifier: Notifier, engine, until, rounds: int = 200) -> None:
    """Rounds until `until(statuses)` holds (bounded), then a few more: nothing further is sent."""
    for _ in range(rounds):
        await notifier.step()
        await asyncio.sleep(0.05)
        if until(await statuses(engine)):
            break
    for _ in range(5):
        await notifier.step()
    await asyncio.sleep(0.2)


async def test_a_storm_is_one_grouped_notification_per_channel_and_pagerduty_one_event_per_incident(
        database_url, engine, http_sink: HttpSink, out: Outbound) -> None:
    user = await add_user(engine, "a@example.com")
    hook = await add_channel(engine, user, "webhook", {"url": http_sink.url("/hook")})
    slack = await add_channel(engine, user, "slack", {"webhook_url": http_sink.url("/slack")})
    pager = await add_channel(engine, user, "pagerduty", {"routing_key": "R" * 32,
                                                          "events_url": http_sink.url("/pd")})
    for channel in (hook, slack, pager):
        await queue(engine, channel, 30)
    before = {(name, type_): metric(name, type_) for name in METRICS for type_ in ("webhook", "pagerduty")}
    notifier = Notifier(settings(database_url), engine, out)
    await run(notifier, engine, lambda s: s.get("pending", 0) == 0)

    [grouped] = http_sink.at("/hook")
    secret = (await _config(engine, hook))["secret"]
    body = Webhook(secret).verify(grouped.body, grouped.headers)
    assert body["type"] == "incident.down" and body["data"]["group"] is True and body["data"]["count"] == 30
    assert body["data"]["title"] == "DOWN: 30 monitors"
    assert sorted(i["incident"]["id"] for i in body["data"]["incidents"]) == list(range(1, 31))
    assert body["data"]["incidents"][0]["incident"]["url"].endswith("/incidents/1")
    [chat] = http_sink.at("/slack")
    assert chat.json()["text"].startswith("DOWN: 30 monitors\n30 monitors at once:\n- shop-1 (")
    assert "… and 10 more" in chat.json()["text"]
    assert sorted(r.json()["dedup_key"] for r in http_sink.at("/pd")) == sorted(
        f"uptick-incident-{n}" for n in range(1, 31))
    # Every member is recorded as gone in its group; the group's one attempt is the channel's delivery.
    assert await statuses(engine) == {"grouped": 60, "delivered": 32}
    # What /metrics says: one group of 30 for the webhook; each incident's alert latency once per channel.
    grown = {name: metric(name, "webhook") - before[(name, "webhook")] for name in METRICS}
    assert grown == {"uptick_notification_groups_total": 1, "uptick_notifications_grouped_total": 30,
                     "uptick_alert_latency_seconds_count": 30}
    latency = "uptick_alert_latency_seconds_count"
    assert metric(latency, "pagerduty") - before[(latency, "pagerduty")] == 30


async def test_a_few_at_once_go_on_their_own(database_url, engine, http_sink: HttpSink, out: Outbound) -> None:
    user = await add_user(engine, "a@example.com")
    hook = await add_channel(engine, user, "webhook", {"url": http_sink.url()})
    rows = await queue(engine, hook, 3)
    await run(Notifier(settings(database_url), engine, out), engine, lambda s: s.get("delivered") == 3)
    assert sorted(r.headers["webhook-id"] for r in http_sink.received) == sorted(f"msg_{r}" for r in rows)
    assert all(r.json()["data"]["group"] is False and r.json()["data"]["count"] == 1 for r in http_sink.received)


async def test_while_a_storm_lasts_the_next_ones_are_held_into_one_more_group(
        database_url, engine, http_sink: HttpSink, out: Outbound) -> None:
    user = await add_user(engine, "a@example.com")
    hook = await add_channel(engine, user, "webhook", {"url": http_sink.url()})
    notifier = Notifier(settings(database_url, storm_hold_seconds=600), engine, out)
    await queue(engine, hook, 10)
    await run(notifier, engine, lambda s: s.get("delivered") == 1)
    # The storm goes on reaching monitors, a few at a time: they wait while the hold lasts …
    for first in (11, 13, 15):
        await queue(engine, hook, 2, first_incident=first)
        await run(notifier, engine, lambda s: False, rounds=3)
    assert len(http_sink.received) == 1 and (await statuses(engine))["pending"] == 6
    # … and once it has passed (the last group made a hold ago), they go as one group.
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE outbox SET created_at = created_at - interval '601 seconds'"
                                " WHERE group_size IS NOT NULL"))
    await run(notifier, engine, lambda s: s.get("delivered") == 2)
    first, second = (r.json()["data"] for r in http_sink.received)
    assert (first["count"], second["count"]) == (10, 6)
    assert sorted(i["incident"]["id"] for i in second["incidents"]) == list(range(11, 17))


async def test_a_group_cut_short_goes_again_under_the_same_key_and_its_members_never_alone(
        database_url, engine, http_sink: HttpSink, out: Outbound) -> None:
    user = await add_user(engine, "a@example.com")
    hook = await add_channel(engine, user, "webhook", {"url": http_sink.url()})
    await queue(engine, hook, 5, event="resolved")
    # A notifier gathers and claims the group, sends it, and dies before it can say so.
    gathering = Gathering(gather_seconds=0, threshold=3, hold_seconds=0)
    [claimed] = await outbox.claim(engine, limit=10, lease=0.5, max_attempts=8, gathering=gathering)
    notifier = Notifier(settings(database_url), engine, out)
    await webhook.send(webhook.Config.model_validate(claimed.config),
                       notification(claimed, notifier.settings.public_url), out)
    await asyncio.sleep(0.6)
    await run(notifier, engine, lambda s: s.get("delivered") == 1)
    first, again = http_sink.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == f"msg_{claimed.id}"
    assert again.json()["data"]["title"] == "RESOLVED: 5 monitors" and again.json()["data"]["count"] == 5
    assert await statuses(engine) == {"grouped": 5, "delivered": 1}


async def _config(engine, channel: int) -> dict:
    async with engine.connect() as conn:
        return await conn.scalar(text("SELECT config FROM channels WHERE id = :c"), {"c": channel})
