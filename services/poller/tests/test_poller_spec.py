"""A job carries its monitor's whole check definition: the checker never reads Postgres."""

from sqlalchemy import text

from uptick_common.checks import CheckSpec
from uptick_common.streams import CheckJob, checks_stream
from uptick_devstack.fixtures import add_monitor, add_user
from uptick_poller.settings import PollerSettings
from uptick_poller.worker import Poller


async def test_jobs_carry_the_check_definition(database_url, redis_url, engine, redis_client):
    user = await add_user(engine, "a@example.com")
    plain = await add_monitor(engine, user, "http://127.0.0.1:1/plain", regions=("eu-west",))
    custom = await add_monitor(engine, user, "http://127.0.0.1:1/custom", regions=("eu-west",))
    broken = await add_monitor(engine, user, "http://127.0.0.1:1/broken", regions=("eu-west",))
    async with engine.begin() as conn:
        await conn.execute(text(
            "UPDATE monitors SET method = 'POST', headers = '{\"X-Token\": \"s3cret\"}', body = 'ping',"
            " expected_status = '{200,300-399}', follow_redirects = false, verify_tls = false, tls_warn_days = 7,"
            " assertions = '[{\"type\": \"json_path\", \"path\": \"status\", \"op\": \"==\", \"value\": \"UP\"}]'"
            " WHERE id = :i"), {"i": custom})
        await conn.execute(text("UPDATE monitors SET method = 'BREW' WHERE id = :i"), {"i": broken})  # by hand
    poller = Poller(PollerSettings(database_url=database_url, redis_url=redis_url, regions=("eu-west",)),
                    engine, redis_client)

    assert await poller.poll_once() == 2  # the broken one is left out (and logged), the poller goes on
    jobs = {job.monitor_id: job for job in (
        CheckJob.from_fields(fields) for _, fields in await redis_client.xrange(checks_stream("eu-west")))}
    assert set(jobs) == {plain, custom}
    assert jobs[plain].spec == CheckSpec()
    assert jobs[custom].spec == CheckSpec.model_validate({
        "method": "POST", "headers": {"X-Token": "s3cret"}, "body": "ping", "expected_status": ["200", "300-399"],
        "follow_redirects": False, "verify_tls": False, "tls_warn_days": 7,
        "assertions": [{"type": "json_path", "path": "status", "op": "==", "value": "UP"}]})
