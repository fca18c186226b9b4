"""Maintenance notices: each occurrence's start and end told once per channel of the window's monitors, however
often the notifier looks and however often it restarts; never to PagerDuty; nothing for occurrences before the
window existed."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from uptick_common import channels
from uptick_common.channels.notification import Notification
from uptick_common.netguard import parse_networks
from uptick_devstack.fixtures import add_channel, add_monitor, add_user
from uptick_notifier.notices import MaintenanceNotices
from uptick_notifier.outbound import Outbound


async def notices(engine) -> list[tuple]:
    async with engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(
            "SELECT channel_id, payload ->> 'event', payload ->> 'window_name', dedup_key, gathered FROM outbox"
            " ORDER BY id"))).all()]


async def test_a_start_and_an_end_are_told_once_per_channel_whatever_restarts(engine) -> None:
    user = await add_user(engine, "a@example.com")
    shop = await add_monitor(engine, user, "https://shop.example/")
    blog = await add_monitor(engine, user, "https://blog.example/")
    default = await add_channel(engine, user, "webhook", {"url": "https://hooks.example/a"})
    await add_channel(engine, user, "pagerduty", {"routing_key": "R" * 32})  # a default too, but it pages
    named = await add_channel(engine, user, "slack", {"webhook_url": "https://hooks.example/s"}, is_default=False)
    unused = await add_channel(engine, user, "slack", {"webhook_url": "https://hooks.example/u"}, is_default=False)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE monitors SET channel_ids = :c WHERE id = :m"), {"c": [named], "m": blog})
        window = await conn.scalar(text(
            "INSERT INTO maintenance_windows (org_id, name, monitor_ids, kind, starts_at, ends_at, notify)"
            " SELECT org_id, 'upgrade', :m, 'once', :s, :e, true FROM monitors WHERE id = :one RETURNING id"),
            {"m": [shop, blog], "one": shop, "s": now - timedelta(minutes=1), "e": now + timedelta(minutes=30)})

    first = MaintenanceNotices()
    assert await first.tell_due(engine) == 1
    assert await first.tell_due(engine) == 0
    assert await MaintenanceNotices().tell_due(engine) == 1  # a restarted notifier: it writes nothing twice
    key = f"maintenance:{window}:{int((now - timedelta(minutes=1)).timestamp() * 1000)}:started"
    told = await notices(engine)
    assert sorted(told) == sorted([(default, "maintenance_started", "upgrade", key, True),
                                   (named, "maintenance_started", "upgrade", key, True)])
    assert unused not in {row[0] for row in told}

    later = now + timedelta(minutes=31)
    assert await first.tell_due(engine, later) == 1
    assert await MaintenanceNotices().tell_due(engine, later) == 1
    assert [(row[0], row[1]) for row in (await notices(engine))[2:]] in (
        [(default, "maintenance_ended"), (named, "maintenance_ended")],
        [(named, "maintenance_ended"), (default, "maintenance_ended")])
    assert len(await notices(engine)) == 4
    assert await first.tell_due(engine, later + timedelta(hours=2)) == 0  # past: nothing more, ever


async def test_a_new_recurring_window_tells_nothing_of_its_past_occurrences(engine) -> None:
    user = await add_user(engine, "a@example.com")
    shop = await add_monitor(engine, user, "https://shop.example/")
    await add_channel(engine, user, "webhook", {"url": "https://hooks.example/a"})
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    async with engine.begin() as conn:  # every 10 minutes for 5, made now: the last one ended minutes ago
        await conn.execute(text(
            "INSERT INTO maintenance_windows (org_id, name, monitor_ids, all_monitors, kind, cron,"
            " duration_seconds, notify) SELECT org_id, 'often', '{}', true, 'cron', '*/10 * * * *', 300, true"
            " FROM monitors WHERE id = :m"), {"m": shop})
    notifier = MaintenanceNotices()
    await notifier.tell_due(engine, now)
    events = [row[1] for row in await notices(engine)]
    assert "maintenance_ended" not in events  # none of its occurrences ended while it existed
    next_start = now.replace(minute=(now.minute // 10 + 1) * 10 % 60) + timedelta(hours=int(now.minute >= 50))
    await notifier.tell_due(engine, next_start + timedelta(seconds=1))
    await notifier.tell_due(engine, next_start + timedelta(minutes=5, seconds=1))
    assert [row[1] for row in await notices(engine)][-2:] == ["maintenance_started", "maintenance_ended"]


async def test_every_channel_renders_a_maintenance_notice(http_sink) -> None:
    start = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
    note = Notification(event="maintenance_started", key="msg_9", occurred_at=start, window_id=3,
                        window_name="db upgrade", window_starts_at=start, window_ends_at=start + timedelta(hours=1),
                        monitor_names=[f"m{i}" for i in range(20)], monitor_count=25)
    assert note.title == "MAINTENANCE STARTED: db upgrade"
    assert note.lines() == [
        "Maintenance window db upgrade: 2026-12-05 22:00:00 UTC to 2026-12-05 23:00:00 UTC.",
        "Monitors: " + ", ".join(f"m{i}" for i in range(20)) + " and 5 more",
        "They are still checked, but open no incident and alert nothing until it ends."]
    out = Outbound(parse_networks("127.0.0.0/8"), timeout=3)
    try:
        for config in (channels.slack.Config(webhook_url=http_sink.url("/slack")),
                       channels.discord.Config(webhook_url=http_sink.url("/discord")),
                       channels.teams.Config(webhook_url=http_sink.url("/teams")),
                       channels.ntfy.Config(server_url=http_sink.url(""), topic="ops"),
                       channels.webhook.Config(url=http_sink.url("/webhook"))):
            module = channels.TYPES[type(config).__module__.rsplit(".", 1)[1]]
            for event in ("maintenance_started", "maintenance_ended"):
                answer = await module.send(config, note.model_copy(update={"event": event}), out)
                assert answer.delivered, (module.__name__, event, answer)
    finally:
        await out.aclose()
    [started, ended] = http_sink.at("/webhook")
    assert [started.json()["type"], ended.json()["type"]] == ["maintenance.started", "maintenance.ended"]
    assert started.json()["data"]["maintenance"] == {
        "id": 3, "name": "db upgrade", "starts_at": "2026-12-05T22:00:00+00:00", "ends_at": "2026-12-05T23:00:00+00:00",
        "monitors": [f"m{i}" for i in range(20)], "monitor_count": 25}
    assert http_sink.at("/slack")[1].json()["text"].startswith("MAINTENANCE ENDED: db upgrade")
