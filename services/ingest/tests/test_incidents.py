"""Incidents open and resolve with the state, in its transaction, each with one outbox row per channel."""

import time

from sqlalchemy import text

from uptick_common.streams import CheckResult, job_id
from uptick_devstack.fixtures import add_channel, add_monitor, add_user
from uptick_ingest.store import write_batch

NOW_MS = int(time.time() * 1000)


def result(monitor_id: int, region: str, at_s: float, status: str, error: str | None = None) -> CheckResult:
    at = NOW_MS + int(at_s * 1000)
    return CheckResult(job_id=job_id(monitor_id, region, at), monitor_id=monitor_id, region=region, scheduled_ms=at,
                       checked_ms=at + 5, status=status, http_status=200 if status == "up" else 503, latency_ms=20,
                       error=error)


async def both(engine, monitor: int, at_s: float, status: str) -> int:
    """Both regions say `status`; returns how many incidents that opened (what uptick_incidents_opened_total
    counts)."""
    error = "HTTP 503 (expected 200-399)" if status == "down" else None
    async with engine.begin() as conn:
        written = await write_batch(conn, [result(monitor, r, at_s, status, error) for r in ("eu-west", "us-east")])
    return written.incidents_opened


async def rows(engine, sql: str, **params):
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).mappings().all()


async def outbox(engine):
    return await rows(engine, "SELECT o.channel_id, o.payload, o.due_at > now() AS held, o.status, e.kind"
                              " FROM outbox o JOIN incident_events e ON e.id = o.incident_event_id ORDER BY o.id")


async def test_down_opens_one_incident_with_a_notification_per_default_channel_and_up_resolves_it(engine):
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "http://127.0.0.1:1/health")
    hook = await add_channel(engine, user, "webhook", {"url": "http://127.0.0.1:9/hook"})
    mail = await add_channel(engine, user, "email", {"host": "127.0.0.1", "from_address": "u@x.io", "to": ["a@b.io"]})
    await add_channel(engine, user, "slack", {"webhook_url": "http://127.0.0.1:9/s"}, is_default=False)

    await both(engine, monitor, 0, "up")
    assert await both(engine, monitor, 30, "down") == 1
    assert await both(engine, monitor, 60, "down") == 0  # still down: nothing new
    [incident] = await rows(engine, "SELECT * FROM incidents")
    assert incident["status"] == "open" and incident["monitor_id"] == monitor
    assert incident["cause"] == "HTTP 503 (expected 200-399)" and incident["regions"] == ["eu-west", "us-east"]
    assert incident["started_at"] == incident["opened_at"]  # no confirmation period
    assert len(incident["ack_token"]) >= 32  # the secret of its acknowledge link
    sent = await outbox(engine)
    assert sorted(r["channel_id"] for r in sent) == [hook, mail]
    assert {r["payload"]["event"] for r in sent} == {"down"}
    assert sent[0]["payload"]["monitor_name"] == "http://127.0.0.1:1/health"
    assert sent[0]["payload"]["incident_id"] == incident["id"]

    await both(engine, monitor, 90, "up")
    [incident] = await rows(engine, "SELECT * FROM incidents")
    assert incident["status"] == "resolved" and incident["resolved_at"] is not None
    assert incident["ack_token"] is None  # a resolved incident's link acknowledges nothing
    events = await rows(engine, "SELECT kind FROM incident_events ORDER BY id")
    assert [e["kind"] for e in events] == ["opened", "resolved"]
    resolved = [r for r in await outbox(engine) if r["kind"] == "resolved"]
    assert sorted(r["channel_id"] for r in resolved) == [hook, mail] and not any(r["held"] for r in resolved)
    assert resolved[0]["payload"]["resolved_at"] is not None


async def test_a_monitor_naming_channels_alerts_exactly_those(engine):
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "http://127.0.0.1:1/health")
    await add_channel(engine, user, "webhook", {"url": "http://127.0.0.1:9/hook"})
    chosen = await add_channel(engine, user, "slack", {"webhook_url": "http://127.0.0.1:9/s"}, is_default=False)
    other = await add_user(engine, "b@example.com")
    foreign = await add_channel(engine, other, "slack", {"webhook_url": "http://127.0.0.1:9/s"})
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE monitors SET channel_ids = :c WHERE id = :m"),
                           {"c": [chosen, foreign], "m": monitor})
    await both(engine, monitor, 0, "down")
    assert [r["channel_id"] for r in await outbox(engine)] == [chosen]  # never another organization's


async def test_flapping_stays_one_incident_and_is_told_once(engine):
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "http://127.0.0.1:1/health")
    await add_channel(engine, user, "webhook", {"url": "http://127.0.0.1:9/hook"})
    opened = 0
    for i in range(6):
        opened += await both(engine, monitor, i * 60, "down")
        await both(engine, monitor, i * 60 + 30, "up")
    assert opened == 1  # reopenings are not new incidents
    [incident] = await rows(engine, "SELECT * FROM incidents")
    assert incident["flapping"] and incident["reopened"] == 5 and incident["status"] == "resolved"
    sent = await outbox(engine)
    # down; resolved (already due when it went down again: kept); flapping, once; and the last resolution,
    # held back until it has stayed up a while. The resolutions held before were cancelled by each reopening.
    live = [(r["payload"]["event"], r["held"]) for r in sent if r["status"] == "pending"]
    assert live == [("down", False), ("resolved", False), ("flapping", False), ("resolved", True)]


async def test_an_escalated_incidents_resolution_is_told_to_the_escalation_channels_too(engine):
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "http://127.0.0.1:1/health")
    usual = await add_channel(engine, user, "webhook", {"url": "http://127.0.0.1:9/hook"})
    boss = await add_channel(engine, user, "pagerduty", {"routing_key": "R" * 32}, is_default=False)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE monitors SET escalation_channel_ids = :c WHERE id = :m"),
                           {"c": [boss], "m": monitor})
    await both(engine, monitor, 0, "down")
    assert [r["channel_id"] for r in await outbox(engine)] == [usual]  # not escalated yet
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE incidents SET escalated_at = now()"))
    await both(engine, monitor, 30, "up")
    resolved = [r["channel_id"] for r in await outbox(engine) if r["kind"] == "resolved"]
    assert sorted(resolved) == sorted([usual, boss])


async def test_a_child_down_while_its_parent_is_down_is_recorded_under_it_and_alerts_nothing(engine):
    user = await add_user(engine, "a@example.com")
    host = await add_monitor(engine, user, "http://127.0.0.1:1/host")
    app = await add_monitor(engine, user, "http://127.0.0.1:1/app")
    other = await add_monitor(engine, user, "http://127.0.0.1:1/other")
    await add_channel(engine, user, "webhook", {"url": "http://127.0.0.1:9/hook"})
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE monitors SET depends_on = :h WHERE id IN (:a, :o)"),
                           {"h": host, "a": app, "o": other})
    await both(engine, host, 0, "down")
    await both(engine, app, 10, "down")
    [parent] = await rows(engine, "SELECT * FROM incidents WHERE monitor_id = :m", m=host)
    [child] = await rows(engine, "SELECT * FROM incidents WHERE monitor_id = :m", m=app)
    assert child["parent_incident_id"] == parent["id"] and child["ack_token"] is None
    await both(engine, app, 20, "up")
    await both(engine, host, 30, "up")
    await both(engine, other, 40, "down")  # the parent is up again: this one alerts as usual
    sent = [(r["payload"]["monitor_id"], r["payload"]["event"]) for r in await outbox(engine)]
    assert sent == [(host, "down"), (host, "resolved"), (other, "down")]
