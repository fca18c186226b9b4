"""A job carries its monitor's whole check definition: the checker never reads Postgres."""

import json

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
            "UPDATE monitors SET spec = spec || CAST(:s AS jsonb) WHERE id = :i"), {"i": custom, "s": json.dumps({
                "method": "POST", "headers": {"X-Token": "s3cret"}, "body": "ping",
                "expected_status": ["200", "300-399"], "follow_redirects": False, "verify_tls": False,
                "tls_warn_days": 7,
                "assertions": [{"type": "json_path", "path": "status", "op": "==", "value": "UP"}]})})
        await conn.execute(text("""UPDATE monitors SET spec = '{"method": "BREW"}' WHERE id = :i"""),
                           {"i": broken})  # by hand
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


def _down_in(region: str) -> dict:
    from datetime import UTC, datetime

    from uptick_common.status import RegionResult
    return {region: RegionResult(status="down", checked_at=datetime.now(UTC))}


def test_a_job_is_the_check_job_of_its_monitor() -> None:
    """Each region's job: the monitor's definition, re-checked unless that region saw it down last."""
    from datetime import UTC, datetime

    from uptick_common.checks.spec import stored_spec
    from uptick_poller.schedule import DueMonitor
    from uptick_poller.worker import _job

    spec = stored_spec(json.dumps({
        "type": "http", "method": "POST", "headers": {"X-Token": "vä\"l"}, "body": "{\"a\": 1}",
        "follow_redirects": False, "expected_status": ["200", "300-399"], "verify_tls": False,
        "assertions": [{"type": "json_path", "path": "status", "op": "==", "value": "UP"}], "tls_warn_days": 7}))
    monitor = DueMonitor(id=42, url="https://exämple.com/a?b=\"c\"", timeout_seconds=7, regions=["eu-west", "us-east"],
                         due_at=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC), region_results=_down_in("us-east"),
                         spec=spec)
    scheduled_ms = int(monitor.due_at.timestamp() * 1000)
    for region in monitor.regions:
        expected = CheckJob(job_id=f"42:{region}:{scheduled_ms}", monitor_id=42, region=region,
                            scheduled_ms=scheduled_ms, url=monitor.url, timeout_seconds=7, spec=spec,
                            confirm_failure=region == "eu-west")
        assert CheckJob.from_fields({"data": _job(monitor, region, scheduled_ms)}) == expected


def test_a_job_leaves_the_default_spec_out_and_the_checker_reads_it_as_the_default() -> None:
    from datetime import UTC, datetime

    from uptick_common.checks.spec import stored_spec
    from uptick_poller.schedule import DueMonitor
    from uptick_poller.worker import _job

    for stored in ("{}", json.dumps({"type": "http", "method": "GET", "expected_status": ["200-399"]})):
        monitor = DueMonitor(id=7, url="https://example.com/", timeout_seconds=10, regions=["eu-west"],
                             due_at=datetime(2026, 1, 2, tzinfo=UTC), spec=stored_spec(stored))
        text = _job(monitor, "eu-west", 1000)
        assert "spec" not in json.loads(text)
        job = CheckJob.from_fields({"data": text})
        assert job.spec == CheckSpec() and json.loads(job.fields()["data"]) == json.loads(text)
