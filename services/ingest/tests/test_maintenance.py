"""Maintenance windows where the state is decided: checks inside one are stored, counted as maintenance time and
make the monitor `maintenance`, opening no incident and alerting nothing; after it the real state resumes from
the first check after the window, never from the failures inside it."""

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from uptick_common.streams import CheckResult, job_id
from uptick_devstack.fixtures import add_channel, add_monitor, add_user
from uptick_ingest.maintenance import Calendar
from uptick_ingest.store import write_batch

INTERVAL = 30
NOW_MS = (int(time.time()) // 60 - 10) * 60_000  # ten minutes ago, on a minute
REGIONS = ("eu-west", "us-east")


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp((NOW_MS + seconds * 1000) / 1000, UTC)


def result(monitor_id: int, region: str, at_s: float, status: str) -> CheckResult:
    ms = NOW_MS + int(at_s * 1000)
    return CheckResult(job_id=job_id(monitor_id, region, ms), monitor_id=monitor_id, region=region, scheduled_ms=ms,
                       checked_ms=ms + 5, status=status, http_status=200 if status == "up" else 503, latency_ms=20,
                       error=None if status == "up" else "HTTP 503 (expected 200-399)")


async def checks(engine, calendar: Calendar, monitor: int, at_s: float, status: str) -> None:
    async with engine.begin() as conn:
        await write_batch(conn, [result(monitor, r, at_s, status) for r in REGIONS], calendar=calendar)


async def rows(engine, sql: str, **params):
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).mappings().all()


async def window(engine, user: int, *, monitors: list[int], start_s: float, end_s: float, all_monitors=False) -> int:
    async with engine.begin() as conn:
        return await conn.scalar(text(
            "INSERT INTO maintenance_windows (org_id, name, monitor_ids, all_monitors, kind, starts_at, ends_at)"
            " SELECT id, 'upgrade', :m, :all, 'once', :s, :e FROM organizations WHERE personal_for = :u RETURNING id"),
            {"u": user, "m": monitors, "all": all_monitors, "s": at(start_s), "e": at(end_s)})


async def status_of(engine, monitor: int) -> str:
    [row] = await rows(engine, "SELECT status FROM monitor_status WHERE monitor_id = :m", m=monitor)
    return row["status"]


async def test_failures_inside_a_window_open_nothing_and_after_it_an_incident_opens_then(engine) -> None:
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "http://127.0.0.1:1/", interval=INTERVAL)
    hook = await add_channel(engine, user, "webhook", {"url": "http://127.0.0.1:9/hook"})
    await window(engine, user, monitors=[monitor], start_s=50, end_s=150)
    calendar = Calendar(refresh_seconds=0)

    await checks(engine, calendar, monitor, 0, "up")
    for second in (60, 90, 120):
        await checks(engine, calendar, monitor, second, "down")
        assert await status_of(engine, monitor) == "maintenance"
    assert await rows(engine, "SELECT * FROM incidents") == []
    assert await rows(engine, "SELECT * FROM outbox") == []
    stored = await rows(engine, "SELECT status, maintenance FROM ticks WHERE monitor_id = :m ORDER BY scheduled_at",
                        m=monitor)
    assert [(t["status"], t["maintenance"]) for t in stored] == [("up", False)] * 2 + [("down", True)] * 6

    await checks(engine, calendar, monitor, 180, "down")  # the first check after the window
    assert await status_of(engine, monitor) == "down"
    [incident] = await rows(engine, "SELECT * FROM incidents")
    assert incident["started_at"] == incident["opened_at"] == at(180) + timedelta(milliseconds=5)
    sent = await rows(engine, "SELECT channel_id, payload FROM outbox")
    assert [(r["channel_id"], r["payload"]["event"]) for r in sent] == [(hook, "down")]

    # Time in the window is maintenance, neither up nor down (rollups_day: one bucket, per region).
    for region in REGIONS:
        [day] = await rows(engine, "SELECT checks, up_checks, down_checks, up_seconds, down_seconds,"
                                   " maintenance_seconds FROM rollups_day WHERE monitor_id = :m AND region = :r",
                           m=monitor, r=region)
        assert dict(day) == {"checks": 5, "up_checks": 1, "down_checks": 1, "up_seconds": INTERVAL,
                             "down_seconds": INTERVAL, "maintenance_seconds": 3 * INTERVAL}


async def test_after_a_window_down_is_confirmed_from_the_first_failure_after_it(engine) -> None:
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "http://127.0.0.1:1/", interval=INTERVAL)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE monitors SET confirmation_period_seconds = 60 WHERE id = :m"), {"m": monitor})
    await window(engine, user, monitors=[monitor], start_s=50, end_s=150)
    calendar = Calendar(refresh_seconds=0)
    await checks(engine, calendar, monitor, 0, "up")
    for second in (60, 90, 120, 180, 210):  # failing for 150 s, but only 30 s of it after the window
        await checks(engine, calendar, monitor, second, "down")
    assert await status_of(engine, monitor) == "maintenance"
    await checks(engine, calendar, monitor, 240, "down")
    assert await status_of(engine, monitor) == "down"
    [incident] = await rows(engine, "SELECT started_at FROM incidents")
    assert incident["started_at"] == at(180) + timedelta(milliseconds=5)


async def test_an_incident_open_when_a_window_starts_stays_open_and_resolves_after_it(engine) -> None:
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "http://127.0.0.1:1/", interval=INTERVAL)
    await add_channel(engine, user, "webhook", {"url": "http://127.0.0.1:9/hook"})
    await window(engine, user, monitors=[monitor], start_s=50, end_s=150)
    calendar = Calendar(refresh_seconds=0)
    await checks(engine, calendar, monitor, 0, "down")
    await checks(engine, calendar, monitor, 60, "up")  # fixed during the window
    await checks(engine, calendar, monitor, 90, "down")
    assert await status_of(engine, monitor) == "maintenance"
    [incident] = await rows(engine, "SELECT status FROM incidents")
    assert incident["status"] == "open"
    await checks(engine, calendar, monitor, 180, "up")
    [incident] = await rows(engine, "SELECT status, resolved_at FROM incidents")
    assert incident["status"] == "resolved" and incident["resolved_at"] == at(180) + timedelta(milliseconds=5)
    events = await rows(engine, "SELECT o.payload ->> 'event' AS event FROM outbox o ORDER BY o.id")
    assert [e["event"] for e in events] == ["down", "resolved"]


async def test_a_window_of_all_an_organizations_monitors_covers_them_and_no_others(engine) -> None:
    user, other = await add_user(engine, "a@example.com"), await add_user(engine, "b@example.com")
    mine = await add_monitor(engine, user, "http://127.0.0.1:1/", interval=INTERVAL)
    theirs = await add_monitor(engine, other, "http://127.0.0.1:2/", interval=INTERVAL)
    calendar = Calendar(refresh_seconds=0)
    await checks(engine, calendar, mine, 0, "up")  # learnt before the window existed
    await window(engine, user, monitors=[], start_s=50, end_s=150, all_monitors=True)
    later = await add_monitor(engine, user, "http://127.0.0.1:3/", interval=INTERVAL)  # added after the window
    for monitor in (mine, theirs, later):
        await checks(engine, calendar, monitor, 60, "down")
    assert [await status_of(engine, m) for m in (mine, theirs, later)] == ["maintenance", "down", "maintenance"]


async def test_a_late_result_from_inside_a_window_changes_nothing_after_it(engine) -> None:
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "http://127.0.0.1:1/", interval=INTERVAL)
    await window(engine, user, monitors=[monitor], start_s=50, end_s=150)
    calendar = Calendar(refresh_seconds=0)
    await checks(engine, calendar, monitor, 180, "up")
    await checks(engine, calendar, monitor, 120, "down")  # arrives late (a backlog)
    assert await status_of(engine, monitor) == "up"
    late = await rows(engine, "SELECT maintenance FROM ticks WHERE monitor_id = :m AND scheduled_at = :at",
                      m=monitor, at=at(120))
    assert [t["maintenance"] for t in late] == [True, True]


async def test_a_change_of_a_window_is_seen_at_the_next_look_and_others_are_kept(engine) -> None:
    user = await add_user(engine, "a@example.com")
    monitor = await add_monitor(engine, user, "http://127.0.0.1:1/", interval=INTERVAL)
    other = await add_monitor(engine, user, "http://127.0.0.1:2/", interval=INTERVAL)
    calendar = Calendar(refresh_seconds=0)
    kept = await window(engine, user, monitors=[other], start_s=0, end_s=600)
    changed = await window(engine, user, monitors=[monitor], start_s=0, end_s=10)
    await checks(engine, calendar, monitor, 60, "down")
    assert await status_of(engine, monitor) == "down"
    before = calendar._windows[kept][1]
    async with engine.begin() as conn:  # the window is made longer
        await conn.execute(text("UPDATE maintenance_windows SET ends_at = :e, updated_at = now() WHERE id = :w"),
                           {"e": at(600), "w": changed})
    await checks(engine, calendar, monitor, 90, "down")
    assert await status_of(engine, monitor) == "maintenance"
    assert calendar._windows[kept][1] is before
