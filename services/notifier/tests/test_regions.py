"""A region that falls silent is told once to the organizations with monitors there, and once when it is back;
looking again (another replica, a restarted notifier) tells nothing more."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from uptick_devstack.fixtures import add_channel, add_monitor, add_user
from uptick_devstack.sinks import HttpSink
from uptick_notifier import regions
from uptick_notifier.outbound import Outbound
from uptick_notifier.settings import NotifierSettings
from uptick_notifier.worker import Notifier


async def results(engine, monitor: int, **ages: float) -> None:
    """The monitor's latest result per region, `age` seconds old."""
    now = datetime.now(UTC)
    latest = {region.replace("_", "-"): {"status": "up", "checked_at": (now - timedelta(seconds=age)).isoformat()}
              for region, age in ages.items()}
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO monitor_status (monitor_id, status, regions) VALUES (:m, 'up', :r)"
                                " ON CONFLICT (monitor_id) DO UPDATE SET regions = excluded.regions"),
                           {"m": monitor, "r": json.dumps(latest)})


async def delivered(notifier: Notifier, sink: HttpSink, count: int) -> None:
    for _ in range(100):
        await notifier.step()
        await asyncio.sleep(0.05)
        if len(sink.received) >= count:
            break
    for _ in range(3):
        await notifier.step()
    await asyncio.sleep(0.2)


async def test_a_silent_region_is_told_once_when_it_stops_and_once_when_it_resumes(
        database_url, engine, http_sink: HttpSink, out: Outbound) -> None:
    ada = await add_user(engine, "ada@example.com")
    both = await add_monitor(engine, ada, "https://shop.example/", interval=10)
    await add_channel(engine, ada, "webhook", {"url": http_sink.url("/ada")})
    await add_channel(engine, ada, "slack", {"webhook_url": http_sink.url("/ada-quiet")}, is_default=False)
    await add_channel(engine, ada, "pagerduty", {"routing_key": "R" * 32, "events_url": http_sink.url("/ada-pd")})
    bob = await add_user(engine, "bob@example.com")
    eu_only = await add_monitor(engine, bob, "https://bob.example/", interval=10, regions=("eu-west",))
    await add_channel(engine, bob, "webhook", {"url": http_sink.url("/bob")})
    notifier = Notifier(NotifierSettings(database_url=database_url, poll_seconds=0.05, region_check_seconds=0.01),
                        engine, out)

    await results(engine, both, eu_west=1, us_east=20)  # within 3 intervals + 10 s: not silent yet
    await results(engine, eu_only, eu_west=1)
    await delivered(notifier, http_sink, 1)
    assert http_sink.received == []

    await results(engine, both, eu_west=1, us_east=41)
    await delivered(notifier, http_sink, 1)
    [stopped] = http_sink.received
    # bob checks nothing from us-east; ada's channel that is not a default is not told, nor PagerDuty (a notice
    # pages nobody)
    assert stopped.path == "/ada"
    body = stopped.json()
    assert body["type"] == "region.silent" and body["data"]["region"]["name"] == "us-east"
    assert body["data"]["title"] == "CHECKS STOPPED: region us-east"
    assert "none is down because of it" in body["data"]["text"]

    await regions.watch(engine)  # another replica, or this one restarted, looks again: nothing more
    await results(engine, both, eu_west=1, us_east=0)
    await delivered(notifier, http_sink, 2)
    await regions.watch(engine)
    await delivered(notifier, http_sink, 3)
    assert [r.json()["type"] for r in http_sink.received] == ["region.silent", "region.resumed"]
    resumed = http_sink.received[1].json()["data"]
    assert resumed["title"] == "CHECKS RESUMED: region us-east" and resumed["region"]["resumed_at"] is not None
    async with engine.connect() as conn:
        silences = (await conn.execute(text("SELECT region, ended_at IS NOT NULL FROM region_silences"))).all()
    assert [tuple(s) for s in silences] == [("us-east", True)]


async def test_a_region_never_heard_from_is_not_silent(database_url, engine, http_sink: HttpSink) -> None:
    ada = await add_user(engine, "ada@example.com")
    await add_monitor(engine, ada, "https://shop.example/", interval=10)
    await add_channel(engine, ada, "webhook", {"url": http_sink.url()})
    await regions.watch(engine)
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM region_silences")) == 0
        assert await conn.scalar(text("SELECT count(*) FROM outbox")) == 0
