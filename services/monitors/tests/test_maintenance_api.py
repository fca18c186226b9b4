"""Maintenance windows through the API: created, read, changed and deleted in one organization only, every bad
definition a 422 that says why, and the occurrences of a recurring window right across a change of DST."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from uptick_common.maintenance import Schedule


async def monitor_of(api, headers, name: str) -> int:
    made = await api.post("/api/monitors", headers=headers, json={"url": f"https://{name}.example/", "name": name})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def test_windows_are_created_read_changed_and_deleted_in_one_organization(api, make_user, engine) -> None:
    me = await make_user("a@example.com")
    shop, blog = await monitor_of(api, me, "shop"), await monitor_of(api, me, "blog")
    now = datetime.now(UTC)
    made = await api.post("/api/maintenance", headers=me, json={
        "name": "db upgrade", "kind": "once", "monitor_ids": [shop, shop],
        "starts_at": iso(now - timedelta(minutes=5)), "ends_at": iso(now + timedelta(hours=1)), "notify": True})
    assert made.status_code == 201, made.text
    window = made.json()
    assert window["monitor_ids"] == [shop] and window["active"] and window["next"] is None
    assert window["current"]["ends_at"] == window["ends_at"]
    weekly = (await api.post("/api/maintenance", headers=me, json={
        "name": "sundays", "kind": "weekly", "days": ["sun", "sat", "sun"], "time": "03:00",
        "duration_minutes": 90, "timezone": "Europe/Berlin", "all_monitors": True})).json()
    assert weekly["days"] == ["sat", "sun"] and weekly["cron"] == "0 3 * * 6,0"
    begins, ends = (datetime.fromisoformat(weekly["next"][k]) for k in ("starts_at", "ends_at"))
    assert ends - begins == timedelta(minutes=90) and begins > now

    listed = (await api.get("/api/maintenance", headers=me)).json()
    assert [w["name"] for w in listed["items"]] == ["db upgrade", "sundays"] and listed["next_cursor"] is None
    page = (await api.get("/api/maintenance?limit=1", headers=me)).json()
    assert [w["name"] for w in page["items"]] == ["db upgrade"]
    rest = (await api.get(f"/api/maintenance?limit=1&cursor={page['next_cursor']}", headers=me)).json()
    assert [w["name"] for w in rest["items"]] == ["sundays"]
    for_blog = (await api.get(f"/api/maintenance?monitor_id={blog}", headers=me)).json()["items"]
    assert [w["name"] for w in for_blog] == ["sundays"]

    changed = await api.patch(f"/api/maintenance/{window['id']}", headers=me, json={
        "kind": "cron", "cron": "30 1 * * *", "duration_minutes": 60, "monitor_ids": [shop, blog]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["starts_at"] is None and changed.json()["cron"] == "30 1 * * *"
    assert changed.json()["monitor_ids"] == [shop, blog] and changed.json()["notify"] is True

    other = await make_user("b@example.com")
    for method in ("GET", "PATCH", "DELETE"):
        answer = await api.request(method, f"/api/maintenance/{window['id']}", headers=other,
                                   **({"json": {"name": "x"}} if method == "PATCH" else {}))
        assert answer.status_code == 404, (method, answer.text)
    assert (await api.get(f"/api/maintenance/{window['id']}/occurrences", headers=other)).status_code == 404
    assert (await api.get("/api/maintenance", headers=other)).json()["items"] == []
    theirs = await monitor_of(api, other, "theirs")
    refused = await api.patch(f"/api/maintenance/{window['id']}", headers=me, json={"monitor_ids": [theirs]})
    assert refused.status_code == 422 and f"no monitor {theirs} in this organization" in refused.text

    # Deleting a monitor drops it from the windows that named it.
    assert (await api.delete(f"/api/monitors/{blog}", headers=me)).status_code == 204
    assert (await api.get(f"/api/maintenance/{window['id']}", headers=me)).json()["monitor_ids"] == [shop]
    assert (await api.delete(f"/api/maintenance/{window['id']}", headers=me)).status_code == 204
    assert (await api.get(f"/api/maintenance/{window['id']}", headers=me)).status_code == 404
    async with engine.connect() as conn:
        actions = (await conn.execute(text(
            "SELECT action, details FROM audit_log WHERE target_type = 'maintenance_window' ORDER BY id"))).all()
    assert [a for a, _ in actions] == ["maintenance.created", "maintenance.created", "maintenance.updated",
                                       "maintenance.deleted"]
    assert actions[2][1] == {"fields": ["cron", "duration_minutes", "kind", "monitor_ids"]}


NOW = datetime.now(UTC)
LATER = NOW + timedelta(hours=2)


@pytest.mark.parametrize(("body", "says"), [
    ({"kind": "cron", "cron": "61 * * * *", "duration_minutes": 10}, "cron is not valid: Bad minute"),
    ({"kind": "cron", "cron": "0 0 30 2 *", "duration_minutes": 10}, "cron is not valid"),
    ({"kind": "cron", "cron": "0 0 * * * *", "duration_minutes": 10}, "cron must have five fields"),
    ({"kind": "cron", "cron": "*/5 * * * *", "duration_minutes": 10}, "between two starts (5 minutes here)"),
    ({"kind": "cron", "cron": "0 3 * * *", "duration_minutes": 0}, "greater than or equal to 1"),
    ({"kind": "cron", "cron": "0 3 * * *", "duration_minutes": 10081}, "less than or equal to 10080"),
    ({"kind": "cron", "cron": "0 3 * * *"}, "a cron window needs duration_minutes"),
    ({"kind": "cron", "cron": "0 3 * * *", "duration_minutes": 10, "timezone": "Mars/Olympus"},
     "unknown time zone 'Mars/Olympus'"),
    ({"kind": "weekly", "days": ["sun"], "time": "25:00", "duration_minutes": 10}, "should match pattern"),
    ({"kind": "weekly", "days": ["mon", "tue"], "time": "03:00", "duration_minutes": 1500},
     "between two starts (1440 minutes here)"),
    ({"kind": "once", "starts_at": LATER.isoformat(), "ends_at": NOW.isoformat()}, "ends_at must be after starts_at"),
    ({"kind": "once", "starts_at": (NOW - timedelta(hours=3)).isoformat(),
      "ends_at": (NOW - timedelta(hours=1)).isoformat()}, "ends_at is in the past"),
    ({"kind": "once", "starts_at": NOW.isoformat(), "ends_at": (NOW + timedelta(days=32)).isoformat()},
     "at most 31 days"),
    ({"kind": "once", "starts_at": "2030-01-01T00:00:00", "ends_at": "2030-01-01T01:00:00"}, "timezone"),
    ({"kind": "once", "starts_at": NOW.isoformat(), "ends_at": LATER.isoformat(), "cron": "0 3 * * *"},
     "a once window takes no cron"),
    ({"kind": "once", "starts_at": NOW.isoformat(), "ends_at": LATER.isoformat(), "all_monitors": False,
      "monitor_ids": []}, "name the monitors"),
])
async def test_a_bad_window_is_a_422_that_says_why(api, make_user, body, says) -> None:
    me = await make_user("a@example.com")
    shop = await monitor_of(api, me, "shop")
    answer = await api.post("/api/maintenance", headers=me, json={"name": "w", "monitor_ids": [shop], **body})
    assert answer.status_code == 422, answer.text
    assert says in answer.text and isinstance(answer.json()["detail"], list)
    assert (await api.get("/api/maintenance", headers=me)).json()["items"] == []


async def test_a_change_is_checked_merged_with_the_stored_window(api, make_user) -> None:
    me = await make_user("a@example.com")
    shop = await monitor_of(api, me, "shop")
    window = (await api.post("/api/maintenance", headers=me, json={
        "name": "w", "monitor_ids": [shop], "kind": "cron", "cron": "0 * * * *", "duration_minutes": 30})).json()
    for change, says in (({"duration_minutes": 90}, "between two starts (60 minutes here)"),
                         ({"timezone": "Nowhere/Land"}, "unknown time zone"), ({"name": None}, "name cannot be null"),
                         ({"kind": "once"}, "a once window needs ends_at, starts_at")):
        answer = await api.patch(f"/api/maintenance/{window['id']}", headers=me, json=change)
        assert answer.status_code == 422 and says in answer.text, (change, answer.text)
    assert (await api.get(f"/api/maintenance/{window['id']}", headers=me)).json()["duration_minutes"] == 30
    switched = await api.patch(f"/api/maintenance/{window['id']}", headers=me, json={"all_monitors": True})
    assert switched.status_code == 200 and switched.json()["monitor_ids"] == []


async def test_weekly_occurrences_keep_their_local_time_across_a_change_of_dst(api, make_user) -> None:
    """Sundays 02:30 in Berlin for two hours, around 29 March 2026 (02:00 → 03:00 local, CET → CEST) and
    25 October 2026 (03:00 → 02:00, CEST → CET)."""
    me = await make_user("a@example.com")
    shop = await monitor_of(api, me, "shop")
    window = (await api.post("/api/maintenance", headers=me, json={
        "name": "sundays", "monitor_ids": [shop], "kind": "weekly", "days": ["sun"], "time": "02:30",
        "duration_minutes": 120, "timezone": "Europe/Berlin"})).json()
    spring = (await api.get(f"/api/maintenance/{window['id']}/occurrences", headers=me,
                            params={"from": "2026-03-21T00:00:00Z", "limit": 3})).json()
    assert [(o["starts_at"], o["ends_at"]) for o in spring["items"]] == [
        ("2026-03-22T01:30:00Z", "2026-03-22T03:30:00Z"),  # 02:30 CET
        ("2026-03-29T01:00:00Z", "2026-03-29T03:00:00Z"),  # 02:30 does not exist that night: 03:00 CEST
        ("2026-04-05T00:30:00Z", "2026-04-05T02:30:00Z"),  # 02:30 CEST
    ]
    nxt = (await api.get(f"/api/maintenance/{window['id']}/occurrences", headers=me,
                         params={"cursor": spring["next_cursor"], "limit": 1})).json()
    assert nxt["items"][0]["starts_at"] == "2026-04-12T00:30:00Z"
    autumn = (await api.get(f"/api/maintenance/{window['id']}/occurrences", headers=me,
                            params={"from": "2026-10-18T02:30:00Z", "to": "2026-11-02T00:00:00Z"})).json()
    assert [(o["starts_at"], o["ends_at"]) for o in autumn["items"]] == [
        ("2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z"),  # 02:30 CEST, the first of the two: once, two hours
        ("2026-11-01T01:30:00Z", "2026-11-01T03:30:00Z"),  # 02:30 CET
    ] and autumn["next_cursor"] is None
    # The one occurrence on at a moment, as ingest asks it.
    when = Schedule("weekly", cron=window["cron"], duration=timedelta(minutes=120), timezone="Europe/Berlin")
    on = when.at(datetime(2026, 3, 29, 2, 59, tzinfo=UTC))
    assert on is not None and on.starts_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert when.at(datetime(2026, 3, 29, 3, 0, tzinfo=UTC)) is None
    bad = await api.get(f"/api/maintenance/{window['id']}/occurrences", headers=me,
                        params={"from": "2026-10-18T00:00:00Z", "to": "2026-10-01T00:00:00Z"})
    assert bad.status_code == 422 and "to must be after from" in bad.text


async def test_a_window_that_has_ended_can_be_renamed_but_not_moved_into_the_past(api, make_user, engine) -> None:
    me = await make_user("a@example.com")
    shop = await monitor_of(api, me, "shop")
    now = datetime.now(UTC)
    window = (await api.post("/api/maintenance", headers=me, json={
        "name": "w", "monitor_ids": [shop], "kind": "once", "starts_at": iso(now),
        "ends_at": iso(now + timedelta(hours=1))})).json()
    async with engine.begin() as conn:  # an hour and a half later
        await conn.execute(text("UPDATE maintenance_windows SET starts_at = starts_at - interval '90 minutes',"
                                " ends_at = ends_at - interval '90 minutes' WHERE id = :w"), {"w": window["id"]})
    renamed = await api.patch(f"/api/maintenance/{window['id']}", headers=me, json={"name": "last night"})
    assert renamed.status_code == 200 and not renamed.json()["active"] and renamed.json()["next"] is None
    moved = await api.patch(f"/api/maintenance/{window['id']}", headers=me,
                            json={"ends_at": iso(now - timedelta(minutes=1))})
    assert moved.status_code == 422 and "ends_at is in the past" in moved.text
