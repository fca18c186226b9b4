"""Reminders while an incident stays open and unacknowledged; escalation to more channels, once."""

from sqlalchemy import text

from uptick_devstack.fixtures import add_channel, add_monitor, add_user
from uptick_notifier import reminders


async def open_incident(engine, monitor: int, opened_seconds_ago: int) -> int:
    async with engine.begin() as conn:
        return await conn.scalar(text(
            "INSERT INTO incidents (org_id, monitor_id, started_at, opened_at, cause, regions)"
            " SELECT org_id, id, now() - :ago * interval '1 second', now() - :ago * interval '1 second', 'HTTP 503',"
            " '{eu-west}' FROM monitors WHERE id = :m RETURNING id"), {"m": monitor, "ago": opened_seconds_ago})


async def queued(engine) -> list[tuple[int, str]]:
    async with engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(
            "SELECT channel_id, payload ->> 'event' FROM outbox ORDER BY id"))).all()]


async def test_reminders_repeat_until_acknowledged_and_escalation_tells_more_channels_once(engine) -> None:
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "https://shop.example/")
    usual = await add_channel(engine, user, "slack", {"webhook_url": "https://hooks.example/a"})
    boss = await add_channel(engine, user, "pagerduty", {"routing_key": "R" * 32}, is_default=False)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE monitors SET reminder_interval_seconds = 60, escalate_after_seconds = 300,"
                                " escalation_channel_ids = :c WHERE id = :m"), {"c": [boss], "m": monitor})
    incident = await open_incident(engine, monitor, opened_seconds_ago=90)

    assert await reminders.tell_due(engine) == 1  # a minute passed: a reminder; not yet five: no escalation
    assert await reminders.tell_due(engine) == 0
    assert await queued(engine) == [(usual, "reminder")]

    async with engine.begin() as conn:  # four more minutes
        await conn.execute(text("UPDATE incidents SET opened_at = opened_at - interval '4 minutes',"
                                " reminded_at = reminded_at - interval '61 seconds' WHERE id = :i"), {"i": incident})
    assert await reminders.tell_due(engine) == 2
    assert await queued(engine) == [(usual, "reminder"), (boss, "escalation"), (usual, "reminder"), (boss, "reminder")]
    async with engine.connect() as conn:
        kinds = (await conn.execute(text("SELECT kind FROM incident_events WHERE incident_id = :i ORDER BY id"),
                                    {"i": incident})).scalars().all()
    assert kinds == ["reminded", "escalated", "reminded"]

    async with engine.begin() as conn:
        await conn.execute(text("UPDATE incidents SET acknowledged_at = now(), reminded_at = now() - interval '1 hour'"
                                " WHERE id = :i"), {"i": incident})
    assert await reminders.tell_due(engine) == 0  # acknowledged: somebody is on it


async def test_monitors_without_reminders_are_not_reminded(engine) -> None:
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "https://shop.example/")
    await add_channel(engine, user, "slack", {"webhook_url": "https://hooks.example/a"})
    await open_incident(engine, monitor, opened_seconds_ago=86_400)
    assert await reminders.tell_due(engine) == 0


async def test_reminders_and_escalation_wait_while_the_monitor_is_in_maintenance(engine) -> None:
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "https://shop.example/")
    usual = await add_channel(engine, user, "slack", {"webhook_url": "https://hooks.example/a"})
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE monitors SET reminder_interval_seconds = 60, escalate_after_seconds = 60,"
                                " escalation_channel_ids = :c WHERE id = :m"), {"c": [usual], "m": monitor})
        await conn.execute(text("INSERT INTO monitor_status (monitor_id, status) VALUES (:m, 'maintenance')"),
                           {"m": monitor})
    await open_incident(engine, monitor, opened_seconds_ago=3600)  # open when the window started
    assert await reminders.tell_due(engine) == 0
    async with engine.begin() as conn:  # the window ended, the monitor is still down
        await conn.execute(text("UPDATE monitor_status SET status = 'down' WHERE monitor_id = :m"), {"m": monitor})
    assert await reminders.tell_due(engine) == 2
    assert {event for _, event in await queued(engine)} == {"escalation", "reminder"}
