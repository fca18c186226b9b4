"""The notifier delivers the outbox: once each without a crash, retried with backoff, the same key after one."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from uptick_common.channels import webhook
from uptick_common.channels.base import Answer
from uptick_common.channels.notification import Notification
from uptick_devstack.fixtures import add_channel, add_user
from uptick_devstack.sinks import HttpSink
from uptick_notifier import outbox
from uptick_notifier.outbound import Outbound
from uptick_notifier.settings import NotifierSettings
from uptick_notifier.worker import Notifier, notification


def settings(database_url: str, **changes: object) -> NotifierSettings:
    return NotifierSettings(database_url=database_url, lease_seconds=30, attempt_timeout_seconds=3,
                            retry_base_seconds=0.05, retry_cap_seconds=0.05, poll_seconds=0.05,
                            **{"storm_gather_seconds": 0, **changes})


async def queue(engine, channel_id: int, event: str = "down") -> int:
    note = Notification(event=event, key="", occurred_at=datetime.now(UTC), monitor_name="Shop", incident_id=None)
    async with engine.begin() as conn:
        return await conn.scalar(text("INSERT INTO outbox (channel_id, payload) VALUES (:c, CAST(:p AS jsonb))"
                                      " RETURNING id"), {"c": channel_id, "p": note.model_dump_json()})


async def attempts(engine, outbox_id: int):
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT attempt, outcome, status_code, duration_ms, detail"
                                        " FROM delivery_attempts WHERE outbox_id = :o ORDER BY id"),
                                   {"o": outbox_id})).all()


async def state(engine, outbox_id: int) -> str:
    async with engine.connect() as conn:
        return await conn.scalar(text("SELECT status FROM outbox WHERE id = :o"), {"o": outbox_id})


async def drain(notifier: Notifier, engine, outbox_id: int, rounds: int = 100) -> str:
    """Rounds until the row is finished (bounded)."""
    for _ in range(rounds):
        await notifier.step()
        await asyncio.sleep(0.05)
        if (status := await state(engine, outbox_id)) != "pending":
            return status
    return "pending"


async def test_each_notification_is_delivered_once_and_its_attempt_recorded(
        database_url, engine, http_sink: HttpSink, out: Outbound) -> None:
    user = await add_user(engine, "a@example.com")
    channel = await add_channel(engine, user, "webhook", {"url": http_sink.url()})
    rows = [await queue(engine, channel) for _ in range(3)]
    notifier = Notifier(settings(database_url), engine, out)
    for row in rows:
        assert await drain(notifier, engine, row) == "delivered"
    for _ in range(5):  # nothing is due any more: nothing is sent again
        await notifier.step()
    await asyncio.sleep(0.2)
    assert sorted(r.headers["webhook-id"] for r in http_sink.received) == sorted(f"msg_{r}" for r in rows)
    [(attempt, outcome, code, duration, detail)] = await attempts(engine, rows[0])
    assert (attempt, outcome, code, detail) == (1, "delivered", 200, "ok") and duration >= 0


async def test_failures_are_retried_then_stop_as_failed(database_url, engine, http_sink: HttpSink,
                                                        out: Outbound) -> None:
    user = await add_user(engine, "a@example.com")
    channel = await add_channel(engine, user, "slack", {"webhook_url": http_sink.url()})
    notifier = Notifier(settings(database_url, max_attempts=3), engine, out)
    http_sink.status, http_sink.answer = 503, "try later"
    row = await queue(engine, channel)
    assert await drain(notifier, engine, row) == "failed"
    assert [(a, o, c) for a, o, c, _, _ in await attempts(engine, row)] == [
        (1, "retrying", 503), (2, "retrying", 503), (3, "failed", 503)]
    assert len(http_sink.received) == 3

    http_sink.status = 500
    recovering = await queue(engine, channel)
    await notifier.step()
    await asyncio.sleep(0.1)
    http_sink.status = 200
    assert await drain(notifier, engine, recovering) == "delivered"
    assert [o for _, o, _, _, _ in await attempts(engine, recovering)] == ["retrying", "delivered"]


async def test_an_answer_that_will_not_change_is_not_retried(database_url, engine, http_sink: HttpSink,
                                                             out: Outbound) -> None:
    user = await add_user(engine, "a@example.com")
    channel = await add_channel(engine, user, "discord", {"webhook_url": http_sink.url()})
    http_sink.status, http_sink.answer = 404, '{"message": "Unknown Webhook"}'
    row = await queue(engine, channel)
    assert await drain(Notifier(settings(database_url), engine, out), engine, row) == "failed"
    assert [(o, c, d) for _, o, c, _, d in await attempts(engine, row)] == [
        ("failed", 404, '{"message": "Unknown Webhook"}')]


async def test_a_notifier_that_dies_mid_send_is_followed_by_a_resend_with_the_same_key(
        database_url, engine, http_sink: HttpSink, out: Outbound) -> None:
    user = await add_user(engine, "a@example.com")
    channel = await add_channel(engine, user, "webhook", {"url": http_sink.url()})
    secret = (await _config(engine, channel))["secret"]
    row = await queue(engine, channel)
    # A notifier claims the row and sends it, then dies before it can say so.
    [claimed] = await outbox.claim(engine, limit=10, lease=0.5, max_attempts=8)
    notifier = Notifier(settings(database_url), engine, out)
    await webhook.send(webhook.Config.model_validate(claimed.config), _note(notifier, claimed), out)
    await notifier.step()  # within the lease: nobody takes it
    await asyncio.sleep(0.6)
    assert await drain(notifier, engine, row) == "delivered"
    first, second = http_sink.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == f"msg_{row}"
    Webhook(secret).verify(second.body, second.headers)
    assert [(a, o) for a, o, _, _, _ in await attempts(engine, row)] == [(1, "interrupted"), (2, "delivered")]


async def test_a_late_report_of_an_attempt_changes_nothing(database_url, engine, http_sink: HttpSink) -> None:
    user = await add_user(engine, "a@example.com")
    channel = await add_channel(engine, user, "webhook", {"url": http_sink.url()})
    row = await queue(engine, channel)
    [first] = await outbox.claim(engine, limit=10, lease=0.01, max_attempts=8)
    await asyncio.sleep(0.05)
    [second] = await outbox.claim(engine, limit=10, lease=30, max_attempts=8)
    await outbox.report(engine, second, Answer(True, 200, "ok"), 5, base=1, cap=1)
    await outbox.report(engine, first, Answer(False, 500, "late", retryable=True), 5, base=1, cap=1)
    assert await state(engine, row) == "delivered"
    assert [(a, o) for a, o, _, _, _ in await attempts(engine, row)] == [(1, "interrupted"), (2, "delivered")]


async def _config(engine, channel: int) -> dict:
    async with engine.connect() as conn:
        return await conn.scalar(text("SELECT config FROM channels WHERE id = :c"), {"c": channel})


def _note(notifier: Notifier, row: outbox.Claimed) -> Notification:
    return notification(row, notifier.settings.public_url)


async def test_the_outbox_age_says_how_long_the_oldest_due_notification_waited(engine, http_sink: HttpSink) -> None:
    user = await add_user(engine, "a@example.com")
    channel = await add_channel(engine, user, "webhook", {"url": http_sink.url()})
    assert await outbox.age(engine) == 0
    row = await queue(engine, channel)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE outbox SET due_at = now() - interval '42 seconds' WHERE id = :o"), {"o": row})
    assert 42 <= await outbox.age(engine) < 60
