"""The poller's side of heartbeat monitors: an overdue ping becomes a `down` result."""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from uptick_common.streams import RESULTS_STREAM, CheckResult
from uptick_devstack.fixtures import add_user
from uptick_poller.settings import PollerSettings
from uptick_poller.worker import Poller


async def add_heartbeat(engine, user: int, *, last_ping_ago: float | None, period: int = 60, grace: int = 30) -> int:
    async with engine.begin() as conn:
        monitor = await conn.scalar(text(
            "INSERT INTO monitors (user_id, name, url, interval_seconds, timeout_seconds, regions, spec,"
            " heartbeat_token, created_at, updated_at)"
            " VALUES (:u, 'cron', 'heartbeat:', :p, 5, '{push}', jsonb_build_object('type', 'heartbeat',"
            " 'grace_seconds', :g), md5(random()::text), now() - interval '1 day', now() - interval '1 day')"
            " RETURNING id"), {"u": user, "p": period, "g": grace})
        if last_ping_ago is not None:
            at = (datetime.now(UTC) - timedelta(seconds=last_ping_ago)).isoformat()
            await conn.execute(text("INSERT INTO monitor_status (monitor_id, status, regions) VALUES (:m, 'up', :r)"),
                               {"m": monitor, "r": json.dumps({"push": {"status": "up", "checked_at": at}})})
    return monitor


async def test_an_overdue_heartbeat_gets_a_down_result(database_url, redis_url, engine, redis_client):
    user = await add_user(engine, "a@example.com")
    on_time = await add_heartbeat(engine, user, last_ping_ago=70)  # within 60 s + 30 s grace
    late = await add_heartbeat(engine, user, last_ping_ago=200)
    never = await add_heartbeat(engine, user, last_ping_ago=None)  # created a day ago, never pinged
    poller = Poller(PollerSettings(database_url=database_url, redis_url=redis_url), engine, redis_client)
    assert await poller.poll_once() == 3

    entries = await redis_client.xrange(RESULTS_STREAM)
    found = {r.monitor_id: r for r in (CheckResult.from_fields(f) for _, f in entries)}
    assert set(found) == {late, never} and on_time not in found
    assert found[late].status == "down" and found[late].region == "push"
    seconds, rest = found[late].error.removeprefix("no ping for ").split("s ", 1)
    assert 190 <= int(seconds) <= 210 and rest == "(expected every 60s + 30s grace)"
    assert await redis_client.exists("uptick:checks:eu-west", "uptick:checks:us-east") == 0  # no region jobs
