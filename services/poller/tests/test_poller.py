import asyncio
import json
from datetime import UTC, datetime

from sqlalchemy import text

from uptick_common.redis import ensure_group
from uptick_common.streams import CHECKS_GROUP, CheckJob, checks_stream
from uptick_devstack.fixtures import add_monitor, add_user
from uptick_poller.settings import PollerSettings
from uptick_poller.worker import Poller


def make_poller(database_url: str, redis_url: str, engine, redis_client, **overrides) -> Poller:
    settings = PollerSettings(database_url=database_url, redis_url=redis_url, regions=("eu-west", "us-east"),
                              **overrides)
    return Poller(settings, engine, redis_client)


async def jobs(redis_client, region: str) -> list[CheckJob]:
    return [CheckJob.from_fields(f) for _, f in await redis_client.xrange(checks_stream(region))]


async def test_due_monitor_gets_one_job_per_selected_region(database_url, redis_url, engine, redis_client):
    user = await add_user(engine, "a@example.com")
    both = await add_monitor(engine, user, "http://127.0.0.1:1/a", timeout=7)
    only_us = await add_monitor(engine, user, "http://127.0.0.1:1/b", regions=("us-east",))
    await add_monitor(engine, user, "http://127.0.0.1:1/c", paused=True)
    poller = make_poller(database_url, redis_url, engine, redis_client)

    assert await poller.poll_once() == 2
    eu, us = await jobs(redis_client, "eu-west"), await jobs(redis_client, "us-east")
    assert [j.monitor_id for j in eu] == [both]
    assert sorted(j.monitor_id for j in us) == sorted([both, only_us])
    job = eu[0]
    assert job.url == "http://127.0.0.1:1/a" and job.timeout_seconds == 7 and job.region == "eu-west"
    assert job.job_id == f"{both}:eu-west:{job.scheduled_ms}"

    # Claimed monitors move to a later slot: nothing is due again right away.
    assert await poller.poll_once() == 0
    async with engine.connect() as conn:
        next_due = (await conn.execute(text("SELECT next_due_at FROM monitors WHERE id = :i"), {"i": both})).scalar()
    assert 0 < (next_due - datetime.now(UTC)).total_seconds() <= 60


async def test_monitors_created_together_are_spread_over_the_interval(database_url, redis_url, engine,
                                                                       redis_client):
    user = await add_user(engine, "a@example.com")
    for i in range(40):
        await add_monitor(engine, user, f"http://127.0.0.1:1/{i}", interval=60)
    await make_poller(database_url, redis_url, engine, redis_client).poll_once()
    async with engine.connect() as conn:
        offsets = (await conn.execute(text(
            "SELECT extract(epoch FROM next_due_at - now()) FROM monitors"))).scalars().all()
    seconds = {int(o) for o in offsets}
    assert len(seconds) > 20, f"next checks bunched into {sorted(seconds)}"


async def test_two_pollers_never_claim_the_same_monitor(database_url, redis_url, engine, redis_client):
    user = await add_user(engine, "a@example.com")
    for i in range(200):  # a day's interval: no monitor's next slot can come due during the test
        await add_monitor(engine, user, f"http://127.0.0.1:1/{i}", regions=("eu-west",), interval=86_400)
    pollers = [make_poller(database_url, redis_url, engine, redis_client, batch_size=7) for _ in range(3)]

    async def drain(poller: Poller) -> None:
        while await poller.poll_once():
            pass

    await asyncio.gather(*(drain(p) for p in pollers))
    ids = [j.monitor_id for j in await jobs(redis_client, "eu-west")]
    assert len(ids) == 200 and len(set(ids)) == 200


async def test_a_region_over_its_backlog_bound_is_shed_visibly(database_url, redis_url, engine, redis_client):
    user = await add_user(engine, "a@example.com")
    for i in range(5):
        await add_monitor(engine, user, f"http://127.0.0.1:1/{i}")
    poller = make_poller(database_url, redis_url, engine, redis_client, max_backlog=3)
    await poller.poll_once()  # 5 jobs per region, nobody reading them
    for i in range(5):
        await add_monitor(engine, user, f"http://127.0.0.1:2/{i}")
    await poller._refresh_backlogs()
    await poller.poll_once()
    assert len(await jobs(redis_client, "eu-west")) == 5  # the second round was shed, not queued
    from prometheus_client import REGISTRY
    assert REGISTRY.get_sample_value("uptick_jobs_shed_total", {"region": "eu-west"}) >= 5


async def test_jobs_past_retention_are_trimmed_once_checked(database_url, redis_url, engine, redis_client):
    user = await add_user(engine, "a@example.com")
    await add_monitor(engine, user, "http://127.0.0.1:1/", regions=("eu-west",))
    stream = checks_stream("eu-west")
    for ms in range(1, 301):  # jobs from 1970: long past any retention
        await redis_client.xadd(stream, {"data": "{}"}, id=f"{ms}-0")
    await ensure_group(redis_client, stream, CHECKS_GROUP)
    read = await redis_client.xreadgroup(CHECKS_GROUP, "checker-1", {stream: ">"}, count=200)
    await redis_client.xack(stream, CHECKS_GROUP, *[i for i, _ in read[0][1]][:150])  # 150 checked, 50 in flight
    poller = make_poller(database_url, redis_url, engine, redis_client, stream_retention_seconds=60)
    await poller._refresh_backlogs()
    await poller.poll_once()
    # Only checked jobs go (approximately: whole internal nodes of 100 entries at once), never unchecked ones.
    left = [int(i.decode().split("-")[0]) for i, _ in await redis_client.xrange(stream, max="301-0")]
    assert 150 <= len(left) <= 200 and left[-150:] == list(range(151, 301))
    assert await redis_client.xlen(stream) == len(left) + 1  # and the new job


async def test_a_region_that_last_saw_the_monitor_up_rechecks_a_failure(database_url, redis_url, engine,
                                                                        redis_client):
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/")
    regions = {"eu-west": {"status": "down", "checked_at": "2026-11-28T12:00:00+00:00"},
               "us-east": {"status": "up", "checked_at": "2026-11-28T12:00:00+00:00"}}
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO monitor_status (monitor_id, status, regions) VALUES (:m, 'up', :r)"),
                           {"m": monitor, "r": json.dumps(regions)})
    await make_poller(database_url, redis_url, engine, redis_client).poll_once()
    eu, us = await jobs(redis_client, "eu-west"), await jobs(redis_client, "us-east")
    assert eu[0].confirm_failure is False  # already failing there: a failure counts at once
    assert us[0].confirm_failure is True
