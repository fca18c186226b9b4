"""Monitors, their summaries and ticks, in one organization. Raises domain errors; the router maps them to HTTP."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_json
from sqlalchemy import Row, Text, delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_common import audit
from uptick_common.access import Member
from uptick_common.checks import HEARTBEAT_REGION, CheckSpec
from uptick_common.checks.spec import stored_spec
from uptick_common.checks.targets import stored_target, target_host
from uptick_common.db.models import Channel, Monitor, MonitorStatus, Organization, Tick
from uptick_common.status import shown_status
from uptick_monitors.history import service as history
from uptick_monitors.maintenance import service as maintenance
from uptick_monitors.schemas import (
    MonitorCreate,
    MonitorOut,
    MonitorUpdate,
    RegionStatus,
    TickOut,
    TickPhases,
    badge_urls,
    check_timeout,
)

SPEC_FIELDS = set(CheckSpec.model_fields)  # the fields of a monitor that say how it is checked
log = structlog.get_logger(__name__)


class NotFound(Exception):
    pass


class Managed(Exception):
    """A change from elsewhere than where the monitor is managed (its `managed_by`)."""

    def __init__(self, where: str) -> None:
        super().__init__(f"this monitor is managed by {where}: change it there")


def _check_manager(managed_by: str | None, manager: str | None) -> None:
    if managed_by is not None and manager != managed_by:
        raise Managed(managed_by)


class Invalid(Exception):
    """Input that passed the schema but not the rules that need context (regions, merged values, quotas)."""


class OverQuota(Exception):
    """The organization has as many monitors as its quota allows."""


@dataclass(frozen=True)
class Quotas:
    """What one organization may have (MonitorsSettings): how many monitors, how often each is checked at
    most, and how large a request body may be, in bytes as it travels in every job (JSON-escaped), so that
    the bound on a job's size is real whatever characters the body holds."""

    monitors: int
    min_interval_seconds: int
    body_bytes: int


UNLIMITED = Quotas(monitors=2**31, min_interval_seconds=0, body_bytes=2**31)


def _check_quotas(quotas: Quotas, *, kind: str, interval: int, body: str | None) -> None:
    if kind != "heartbeat" and interval < quotas.min_interval_seconds:
        raise Invalid(f"interval_seconds must be at least {quotas.min_interval_seconds} on this instance")
    if body is not None and (size := len(to_json(body)) - 2) > quotas.body_bytes:
        raise Invalid(f"body is {size} bytes as sent in each check (JSON-escaped); "
                      f"at most {quotas.body_bytes} on this instance")


async def _check_room(session: AsyncSession, org_id: int | None, quotas: Quotas) -> None:
    """Creations in one organization take turns (its row locked until commit), so that two at once cannot
    both take the last place."""
    await session.execute(select(Organization.id).where(Organization.id == org_id).with_for_update())
    count = await session.scalar(select(func.count()).select_from(Monitor).where(Monitor.org_id == org_id))
    if (count or 0) >= quotas.monitors:
        raise OverQuota(f"this organization has {count} monitors, the most it may have on this instance")


# A monitor's answer is a MonitorOut built from plain columns (no ORM entities) without validating again what
# the API validated before it was stored: the per-row cost of the dashboard's biggest request, the monitor
# list. First the columns it shows as they are (labelled with its field names), then what it is computed
# from. The check and the regions' results come as the text of their JSON: the check is validated once per
# definition (stored_spec), the results straight from that text. Rows are read by position: naming each
# column of a Row costs more than the rest of the answer.
_AS_THEY_ARE = (
    Monitor.id, Monitor.name, Monitor.interval_seconds, Monitor.timeout_seconds, Monitor.regions, Monitor.paused,
    Monitor.created_at, Monitor.updated_at, Monitor.quorum, Monitor.confirmation_period_seconds,
    Monitor.recovery_period_seconds, MonitorStatus.last_latency_ms, MonitorStatus.last_checked_at,
    MonitorStatus.status_changed_at.label("status_since"), Monitor.managed_by, Monitor.channel_ids,
    Monitor.reminder_interval_seconds, Monitor.escalate_after_seconds, Monitor.escalation_channel_ids,
    Monitor.depends_on,
)
_NAMES = tuple(column.key for column in _AS_THEY_ARE)
_ANSWER_COLUMNS = (
    *_AS_THEY_ARE, Monitor.url, Monitor.heartbeat_token, Monitor.badge_token, Monitor.spec.cast(Text).label("spec"),
    MonitorStatus.monitor_id, MonitorStatus.status, MonitorStatus.last_error, MonitorStatus.recent_latencies_ms,
    MonitorStatus.regions.cast(Text).label("region_results"),
)
_REGION_STATUSES: TypeAdapter[dict[str, RegionStatus]] = TypeAdapter(dict[str, RegionStatus])


def _answer(row: Row[Any], now: datetime) -> MonitorOut:
    """One monitor (a row of `_ANSWER_COLUMNS`) as MonitorOut holds it."""
    columns = tuple(row)
    shown = dict(zip(_NAMES, columns, strict=False))
    url, token, badge_token, spec, state_id, status, error, recent, results = columns[len(_NAMES):]
    has_state, paused = state_id is not None, shown["paused"]
    heartbeat = heartbeat_path(token) if token else None
    return _constructed(
        **_readable_spec(shown["id"], spec).__dict__, **shown,
        url=heartbeat or url, status=shown_status(status if has_state else None, paused=paused),
        last_error=error if has_state and not paused else None,
        recent_latencies_ms=list(recent or ()) if has_state else [],
        region_status=_region_status(results, shown["regions"], shown["interval_seconds"], now)
        if has_state and results else {},
        heartbeat_url=heartbeat, badges=badge_urls(badge_token),
        uptime_24h=None, uptime_30d=None,  # _add_uptimes fills them in
    )


_FIELDS = tuple(MonitorOut.model_fields)
_FIELDS_SET = frozenset(_FIELDS)
_set = object.__setattr__


def _constructed(**values: Any) -> MonitorOut:
    """`MonitorOut.model_construct(**values)` for values that name every field: what model_construct leaves as
    it is, without its loop over aliases and defaults (~2 µs a row instead of ~7 µs, measured; the list's
    only path by hand). The dict is in field order, which is the order pydantic-core serialises it in."""
    answer = MonitorOut.__new__(MonitorOut)
    _set(answer, "__dict__", {name: values[name] for name in _FIELDS})
    _set(answer, "__pydantic_fields_set__", set(_FIELDS_SET))
    _set(answer, "__pydantic_extra__", None)
    _set(answer, "__pydantic_private__", None)
    return answer


def _region_status(results: str, regions: list[str], interval: int, now: datetime) -> dict[str, RegionStatus]:
    """The latest result of each of the monitor's regions (ingest's RegionResult), and whether it is stale."""
    shown = {}
    for region, status in _REGION_STATUSES.validate_json(results).items():
        if region in regions:
            status.stale = status.is_stale(interval, now)
            shown[region] = status
    return shown


def _readable_spec(monitor_id: int, text: str) -> CheckSpec:
    """The stored check. One that is invalid all the same (written by hand, or by a later version) is shown with
    the options that can be read and the defaults of the others, and said so: the answer is never a 500."""
    try:
        return stored_spec(text)
    except ValidationError as exc:
        log.error("monitor's check definition is invalid: unreadable options shown as their defaults",
                  monitor_id=monitor_id, problems=exc.error_count())
    readable = {}
    for name, value in json.loads(text).items():
        try:
            readable[name] = getattr(CheckSpec.model_validate({name: value}), name)
        except ValidationError:
            continue
    return CheckSpec.model_construct(**readable)


async def list_page(
    *, session: AsyncSession, org_id: int, limit: int, after_id: int | None
) -> tuple[list[MonitorOut], int | None]:
    """A page of the organization's monitors."""
    # The page of the organization's monitors first, then their summaries: joined the other way round, Postgres
    # may walk monitor_status from its start, and the time grows with other organizations' monitors.
    page = select(Monitor.id).where(Monitor.org_id == org_id).order_by(Monitor.id).limit(limit + 1)
    if after_id is not None:
        page = page.where(Monitor.id > after_id)
    ids = page.subquery()
    query = (
        select(*_ANSWER_COLUMNS).select_from(Monitor)
        .join(ids, ids.c.id == Monitor.id)
        .outerjoin(MonitorStatus, MonitorStatus.monitor_id == Monitor.id)
        .order_by(Monitor.id)
    )
    rows = (await session.execute(query)).all()
    now = datetime.now(UTC)
    items = [_answer(row, now) for row in rows[:limit]]
    await _add_uptimes(session, items, now)
    return items, (items[-1].id if len(rows) > limit else None)


async def list_stamp(*, session: AsyncSession, org_id: int) -> str:
    """What changes whenever the organization's list would: its monitors (added, deleted, changed), their
    latest results, and the hour (the 24-hour uptime slides by the hour; it moves otherwise only with a
    check, which moves last_checked_at)."""
    row = (await session.execute(
        select(func.count(Monitor.id), func.max(Monitor.updated_at), func.max(MonitorStatus.last_checked_at),
               func.max(MonitorStatus.updated_at), func.date_trunc("hour", func.now()))
        .select_from(Monitor).outerjoin(MonitorStatus, MonitorStatus.monitor_id == Monitor.id)
        .where(Monitor.org_id == org_id))).one()
    return "|".join(str(value) for value in row)


async def _add_uptimes(session: AsyncSession, items: list[MonitorOut], now: datetime) -> None:
    uptimes = await history.list_uptimes(session=session, ids=[item.id for item in items], now=now)
    for item in items:
        item.__dict__.update(uptimes.get(item.id, ()))  # as _constructed sets them


async def get(*, session: AsyncSession, org_id: int, monitor_id: int) -> MonitorOut:
    row = (await session.execute(
        select(*_ANSWER_COLUMNS).select_from(Monitor)
        .outerjoin(MonitorStatus, MonitorStatus.monitor_id == Monitor.id)
        .where(Monitor.id == monitor_id, Monitor.org_id == org_id)
    )).first()
    if row is None:
        raise NotFound
    now = datetime.now(UTC)
    answer = _answer(row, now)
    await _add_uptimes(session, [answer], now)
    return answer


def _check_regions(regions: Sequence[str], known: Sequence[str]) -> list[str]:
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise Invalid(f"unknown region(s) {', '.join(unknown)}; known regions: {', '.join(known)}")
    return list(dict.fromkeys(regions))  # without repeats, in the given order


ALERT_FIELDS = ("channel_ids", "reminder_interval_seconds", "escalate_after_seconds", "escalation_channel_ids",
                "depends_on")
MAX_DEPENDENCY_DEPTH = 10


async def _check_channels(session: AsyncSession, org_id: int, values: dict[str, Any]) -> None:
    """Channel ids must name channels of the monitor's organization (another's is as unknown as none)."""
    for field in ("channel_ids", "escalation_channel_ids"):
        ids = values.get(field)
        if ids:
            known = set((await session.scalars(select(Channel.id).where(Channel.org_id == org_id,
                                                                          Channel.id.in_(ids)))).all())
            if unknown := [i for i in ids if i not in known]:
                raise Invalid(f"{field}: no channel {', '.join(map(str, unknown))} in this organization")
            values[field] = list(dict.fromkeys(ids))


async def _check_depends_on(session: AsyncSession, org_id: int, monitor_id: int | None, parent: int | None) -> None:
    """A monitor of the same organization, not this one, and not depending on this one (however far up)."""
    seen: set[int] = set()
    while parent is not None:
        if parent == monitor_id or parent in seen or len(seen) >= MAX_DEPENDENCY_DEPTH:
            raise Invalid("depends_on: a monitor cannot depend on itself, nor on one that depends on it")
        seen.add(parent)
        row = (await session.execute(select(Monitor.depends_on).where(Monitor.id == parent,
                                                                      Monitor.org_id == org_id))).first()
        if row is None:
            raise Invalid(f"depends_on: no monitor {parent} in this organization")
        parent = row[0]


def _check_quorum(quorum: int | None, regions: Sequence[str]) -> None:
    if quorum is not None and quorum > len(regions):
        raise Invalid(f"quorum ({quorum}) cannot exceed the number of regions ({len(regions)})")


async def create(
    *, session: AsyncSession, actor: Member, data: MonitorCreate, known_regions: Sequence[str],
    quotas: Quotas = UNLIMITED,
) -> MonitorOut:
    _check_quotas(quotas, kind=data.type, interval=data.interval_seconds, body=data.body)
    await _check_room(session, actor.org_id, quotas)
    token = None
    if data.type == "heartbeat":  # checked by the pings of the user's job, not from regions
        regions, token = [HEARTBEAT_REGION], secrets.token_urlsafe(24)
    else:
        regions = _check_regions(data.regions or known_regions, known_regions)
    _check_quorum(data.quorum, regions)
    alerting = data.model_dump(include=set(ALERT_FIELDS))
    await _check_channels(session, actor.org_id, alerting)
    await _check_depends_on(session, actor.org_id, None, data.depends_on)
    monitor = Monitor(**alerting, heartbeat_token=token, org_id=actor.org_id, user_id=actor.user_id,
        name=data.name or _default_name(data), url=data.url, interval_seconds=data.interval_seconds,
        timeout_seconds=data.timeout_seconds, regions=regions, paused=data.paused, quorum=data.quorum,
        confirmation_period_seconds=data.confirmation_period_seconds,
        recovery_period_seconds=data.recovery_period_seconds, managed_by=data.managed_by,
        spec=data.model_dump(include=SPEC_FIELDS, mode="json"),
    )
    session.add(monitor)
    await session.flush()
    audit.record(session, actor, "monitor.created", "monitor", monitor.id, name=monitor.name)
    await session.commit()
    return await get(session=session, org_id=monitor.org_id, monitor_id=monitor.id)


async def update(
    *, session: AsyncSession, actor: Member, monitor_id: int, data: MonitorUpdate, known_regions: Sequence[str],
    manager: str | None = None,
    quotas: Quotas = UNLIMITED,
) -> MonitorOut:
    monitor = await session.scalar(
        select(Monitor).where(Monitor.id == monitor_id, Monitor.org_id == actor.org_id).with_for_update()
    )
    if monitor is None:
        raise NotFound
    _check_manager(monitor.managed_by, manager)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    check = {field: changes.pop(field) for field in SPEC_FIELDS & changes.keys()}
    kind = CheckSpec.model_construct(**monitor.spec).type  # as stored (a key a row lacks is its default)
    if (kind == "heartbeat") != (check.get("type", kind) == "heartbeat"):
        raise Invalid("a monitor cannot become or stop being a heartbeat monitor: create a new one")
    if kind == "heartbeat":
        changes.pop("regions", None)  # pings come from the user's job, not from regions
    if "regions" in changes:  # null: every region, as when the monitor was created without regions
        changes["regions"] = _check_regions(changes["regions"] or known_regions, known_regions)
    for field in ("url", "name", "interval_seconds", "timeout_seconds", "paused", "confirmation_period_seconds",
                  "recovery_period_seconds"):
        if changes.get(field, ...) is None:
            raise Invalid(f"{field} cannot be null")
    _check_quorum(changes.get("quorum", monitor.quorum), changes.get("regions", monitor.regions))
    await _check_channels(session, monitor.org_id, changes)
    if changes.get("depends_on") is not None:
        await _check_depends_on(session, monitor.org_id, monitor.id, changes["depends_on"])
    _check_quotas(quotas, kind=kind, interval=changes.get("interval_seconds", monitor.interval_seconds),
                  body=check.get("body"))
    try:
        check_timeout(changes.get("timeout_seconds", monitor.timeout_seconds),
                      changes.get("interval_seconds", monitor.interval_seconds))
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    if check or "url" in changes:
        changes.update(_merged_check(monitor, check, changes.get("url", monitor.url)))
    for field, value in changes.items():
        setattr(monitor, field, value)
    monitor.updated_at = datetime.now(UTC)
    # The names of the fields changed, not their values: headers and bodies may hold credentials.
    audit.record(session, actor, "monitor.updated", "monitor", monitor_id, fields=sorted(data.model_fields_set))
    await session.commit()
    return await get(session=session, org_id=monitor.org_id, monitor_id=monitor_id)


def _merged_check(monitor: Monitor, changes: dict[str, Any], url: str) -> dict[str, Any]:
    """The monitor's check with `changes` applied and its URL, validated together (an assertion must suit the
    type, the URL too) and normalised as they are stored."""
    try:
        spec = CheckSpec.model_validate({**monitor.spec, **changes})
        url = stored_target(spec.type, url)
    except ValidationError as exc:
        raise Invalid("; ".join(f"{'.'.join(map(str, e['loc'])) or 'check'}: {e['msg'].removeprefix('Value error, ')}"
                                for e in exc.errors())) from exc
    except ValueError as exc:
        raise Invalid(f"url: {exc}") from exc
    return {"spec": spec.model_dump(mode="json"), "url": url}


async def remove(*, session: AsyncSession, actor: Member, monitor_id: int, manager: str | None = None) -> None:
    found = (await session.execute(
        select(Monitor.managed_by).where(Monitor.id == monitor_id, Monitor.org_id == actor.org_id).with_for_update()
    )).first()
    if found is None:
        raise NotFound
    _check_manager(found[0], manager)
    result = await session.execute(delete(Monitor).where(Monitor.id == monitor_id).returning(Monitor.name))
    name = result.scalar_one()
    await session.execute(maintenance.forget_monitor(actor.org_id, monitor_id))
    audit.record(session, actor, "monitor.deleted", "monitor", monitor_id, name=name)
    await session.commit()


async def ticks(
    *, session: AsyncSession, org_id: int, monitor_id: int, limit: int,
    before: tuple[datetime, str] | None, region: str | None,
) -> tuple[list[TickOut], tuple[datetime, str] | None]:
    """Newest first. Keyset pagination on (scheduled_at, region), the table's own key order."""
    owned = await session.scalar(
        select(func.count()).select_from(Monitor).where(Monitor.id == monitor_id, Monitor.org_id == org_id)
    )
    if not owned:
        raise NotFound
    query = (
        select(Tick).where(Tick.monitor_id == monitor_id)
        .order_by(Tick.scheduled_at.desc(), Tick.region.desc()).limit(limit + 1)
    )
    if region is not None:
        query = query.where(Tick.region == region)
    if before is not None:
        query = query.where(tuple_(Tick.scheduled_at, Tick.region) < before)
    rows = (await session.scalars(query)).all()
    items = [
        TickOut(region=t.region, status=t.status, http_status=t.http_status, latency_ms=t.latency_ms,
                error=t.error, scheduled_at=t.scheduled_at, checked_at=t.checked_at,
                phases=TickPhases(dns_ms=t.dns_ms, connect_ms=t.connect_ms, tls_ms=t.tls_ms, ttfb_ms=t.ttfb_ms,
                                  total_ms=t.latency_ms),
                assertions=t.assertions, maintenance=t.maintenance)
        for t in rows[:limit]
    ]
    last = rows[limit - 1] if len(rows) > limit else None
    return items, ((last.scheduled_at, last.region) if last else None)


def heartbeat_path(token: str) -> str:
    return f"/api/heartbeats/{token}"


def _default_name(data: MonitorCreate) -> str:
    return "heartbeat" if data.type == "heartbeat" else target_host(data.url or "")
