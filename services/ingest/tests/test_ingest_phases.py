"""Phases and assertion results travel from a result into its tick, in the same one-statement insert."""

import time

from sqlalchemy import text

from uptick_common.checks import AssertionResult
from uptick_common.streams import RESULTS_STREAM, CheckResult, Phases, job_id
from uptick_devstack.fixtures import add_monitor, add_user
from uptick_ingest.settings import IngestSettings
from uptick_ingest.worker import Ingest

NOW_MS = int(time.time() * 1000)


async def test_phases_and_assertion_results_are_stored(database_url, redis_url, engine, redis_client):
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/")
    failed = AssertionResult(assertion="[BODY].status == UP", passed=False, got='"DOWN"')
    results = [
        CheckResult(job_id=job_id(monitor, "eu-west", NOW_MS), monitor_id=monitor, region="eu-west",
                    scheduled_ms=NOW_MS, checked_ms=NOW_MS, status="down", http_status=200, latency_ms=80,
                    error='assertion failed: [BODY].status == UP (got "DOWN")',
                    phases=Phases(dns_ms=3, connect_ms=5, tls_ms=None, ttfb_ms=70), assertions=[failed]),
        CheckResult(job_id=job_id(monitor, "us-east", NOW_MS), monitor_id=monitor, region="us-east",
                    scheduled_ms=NOW_MS, checked_ms=NOW_MS, status="up", latency_ms=20),  # as an older checker sends
    ]
    for result in results:
        await redis_client.xadd(RESULTS_STREAM, result.fields())
    settings = IngestSettings(database_url=database_url, redis_url=redis_url, consumer_name="ingest-test")
    assert await Ingest(settings, engine, redis_client).ingest_once() == 2

    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT region, dns_ms, connect_ms, tls_ms, ttfb_ms, assertions FROM ticks WHERE monitor_id = :m"
            " ORDER BY region"), {"m": monitor})).all()
    assert rows == [
        ("eu-west", 3, 5, None, 70, [{"assertion": "[BODY].status == UP", "passed": False, "got": '"DOWN"'}]),
        ("us-east", None, None, None, None, None),
    ]


async def test_times_and_text_survive_the_batch_parameter(database_url, redis_url, engine, redis_client):
    """The batch and the states travel as JSON: times to the millisecond, any text, back exactly."""
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/",
                                regions=("eu-west",))
    at = NOW_MS - NOW_MS % 1000 + 7  # an odd millisecond
    error = 'connect: "refused" \\ ünïcode ✓ \t tab'
    down = CheckResult(job_id=job_id(monitor, "eu-west", at), monitor_id=monitor, region="eu-west",
                       scheduled_ms=at, checked_ms=at + 999, status="down", error=error)
    await redis_client.xadd(RESULTS_STREAM, down.fields())
    settings = IngestSettings(database_url=database_url, redis_url=redis_url, consumer_name="ingest-test")
    assert await Ingest(settings, engine, redis_client).ingest_once() == 1

    async with engine.connect() as conn:
        tick = (await conn.execute(text(
            "SELECT (extract(epoch FROM scheduled_at) * 1000)::bigint, (extract(epoch FROM checked_at) * 1000)::bigint,"
            " error, http_status, latency_ms FROM ticks WHERE monitor_id = :m"), {"m": monitor})).one()
        state = (await conn.execute(text(
            "SELECT status, last_error, (extract(epoch FROM status_changed_at) * 1000)::bigint,"
            " (extract(epoch FROM failing_since) * 1000)::bigint, regions->'eu-west'->>'error', recent_latencies_ms"
            " FROM monitor_status WHERE monitor_id = :m"), {"m": monitor})).one()
    assert tuple(tick) == (at, at + 999, error, None, None)
    assert tuple(state) == ("down", error, at + 999, at + 999, error, [])
