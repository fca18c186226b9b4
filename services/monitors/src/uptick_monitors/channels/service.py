"""Channels of one organization. Raises domain errors; the router maps them to HTTP answers."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import any_, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_common import audit, channels
from uptick_common.access import Actor
from uptick_common.channels import webhook
from uptick_common.channels.notification import Notification
from uptick_common.db.models import Channel, DeliveryAttempt, Monitor, OutboxRow
from uptick_monitors.channels.schemas import (
    ChannelCreate,
    ChannelHealth,
    ChannelOut,
    ChannelUpdate,
    DeliveryOut,
    TestOut,
)

ROTATION_OVERLAP = timedelta(days=1)
FAILING_AFTER = 1  # a channel whose last attempt failed is shown failing (with how many failed in a row)
TEST_WAIT_SECONDS = 15.0


class NotFound(Exception):
    pass


class Invalid(Exception):
    """A config the channel's type refuses; `loc` names the field (["body", "config", "url"])."""

    def __init__(self, msg: str, loc: tuple[str | int, ...] = ("body",)) -> None:
        super().__init__(msg)
        self.loc = loc


def _validated(type_: str, config: dict[str, Any]) -> dict[str, Any]:
    try:
        return channels.parse(type_, config).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid(first["msg"], ("body", "config", *first["loc"])) from exc


async def _health(session: AsyncSession, channel_ids: list[int]) -> dict[int, ChannelHealth]:
    """From each channel's last few finished attempts: failing when the latest failed."""
    rows = (await session.execute(text("""
        SELECT a.channel_id, a.started_at, a.outcome, a.detail FROM unnest(CAST(:ids AS bigint[])) AS c(id)
        CROSS JOIN LATERAL (
            SELECT channel_id, started_at, outcome, detail FROM delivery_attempts
            WHERE channel_id = c.id AND outcome IN ('delivered', 'retrying', 'failed')
            ORDER BY id DESC LIMIT 20) a
    """), {"ids": channel_ids})).all()
    seen: dict[int, list[Any]] = {}
    for row in rows:
        seen.setdefault(row.channel_id, []).append(row)
    health = {}
    for channel_id in channel_ids:
        attempts = seen.get(channel_id, [])
        failures = 0
        for attempt in attempts:
            if attempt.outcome == "delivered":
                break
            failures += 1
        last = attempts[0] if attempts else None
        health[channel_id] = ChannelHealth(
            status="unknown" if last is None else "failing" if failures >= FAILING_AFTER else "ok",
            consecutive_failures=failures, last_attempt_at=last.started_at if last else None,
            last_error=last.detail if last is not None and last.outcome != "delivered" else None)
    return health


def _out(channel: Channel, health: ChannelHealth, *, signing_secret: bool = True) -> ChannelOut:
    """`signing_secret`: whether a webhook's current secret is shown. Only those who may change the channel see
    it (an editor could rotate it anyway); a viewer or a read-only token reads "(hidden)"."""
    config = channels.shown(channel.type, channel.config)
    if not signing_secret and config.get("secret") is not None and channel.type == "webhook":
        config["secret"] = channels.HIDDEN
    return ChannelOut(id=channel.id, type=channel.type, name=channel.name,
                      config=config, is_default=channel.is_default,
                      created_at=channel.created_at, updated_at=channel.updated_at, health=health)


async def _one(session: AsyncSession, org_id: int | None, channel_id: int) -> Channel:
    channel = await session.scalar(select(Channel).where(Channel.id == channel_id, Channel.org_id == org_id))
    if channel is None:
        raise NotFound
    return channel


async def list_page(*, session: AsyncSession, org_id: int | None, limit: int, after_id: int | None,
                    signing_secret: bool) -> tuple[list[ChannelOut], int | None]:
    query = select(Channel).where(Channel.org_id == org_id).order_by(Channel.id).limit(limit + 1)
    if after_id is not None:
        query = query.where(Channel.id > after_id)
    found = list((await session.scalars(query)).all())
    more = len(found) > limit
    found = found[:limit]
    health = await _health(session, [c.id for c in found])
    return [_out(c, health[c.id], signing_secret=signing_secret) for c in found], found[-1].id if more else None


async def get(*, session: AsyncSession, org_id: int | None, channel_id: int, signing_secret: bool) -> ChannelOut:
    channel = await _one(session, org_id, channel_id)
    return _out(channel, (await _health(session, [channel.id]))[channel.id], signing_secret=signing_secret)


async def create(*, session: AsyncSession, actor: Actor, data: ChannelCreate) -> ChannelOut:
    channel = Channel(org_id=actor.org_id, type=data.type, name=data.name, config=_validated(data.type, data.config),
                      is_default=data.is_default)
    session.add(channel)
    await session.flush()
    audit.record(session, actor, "channel.created", "channel", channel.id, type=data.type, name=data.name)
    await session.commit()
    await session.refresh(channel)
    return _out(channel, (await _health(session, [channel.id]))[channel.id])


async def update_channel(*, session: AsyncSession, actor: Actor, channel_id: int, data: ChannelUpdate) -> ChannelOut:
    channel = await _one(session, actor.org_id, channel_id)
    config = dict(channel.config)
    if data.config is not None:
        config = channels.merged(channel.type, config, data.config)
    if data.rotate_secret:
        if channel.type != "webhook":
            raise Invalid("only a webhook has a signing secret", ("body", "rotate_secret"))
        config.update(previous_secret=config.get("secret"), secret=webhook.new_secret(),
                      previous_secret_expires_at=(datetime.now(UTC) + ROTATION_OVERLAP).isoformat())
    channel.config = _validated(channel.type, config)
    if data.name is not None:
        channel.name = data.name
    if data.is_default is not None:
        channel.is_default = data.is_default
    channel.updated_at = func.now()
    fields = sorted(data.model_fields_set - {"rotate_secret"}) + (["secret"] if data.rotate_secret else [])
    audit.record(session, actor, "channel.updated", "channel", channel_id, fields=fields)
    await session.commit()
    await session.refresh(channel)
    return _out(channel, (await _health(session, [channel.id]))[channel.id])


async def remove(*, session: AsyncSession, actor: Actor, channel_id: int) -> None:
    channel = await _one(session, actor.org_id, channel_id)
    # Monitors that named it stop naming it (their other channels still alert) in the same transaction.
    await session.execute(update(Monitor).where(Monitor.org_id == actor.org_id, any_(Monitor.channel_ids) == channel_id)
                          .values(channel_ids=func.array_remove(Monitor.channel_ids, channel_id)))
    await session.delete(channel)
    audit.record(session, actor, "channel.deleted", "channel", channel_id, name=channel.name)
    await session.commit()


async def send_test(*, session: AsyncSession, actor: Actor, channel_id: int) -> TestOut:
    """Queues one test notification (a single attempt) for the notifier and waits for the receiver's answer."""
    await _one(session, actor.org_id, channel_id)
    note = Notification(event="test", key="", occurred_at=datetime.now(UTC))
    row = OutboxRow(channel_id=channel_id, payload=json.loads(note.model_dump_json()), max_attempts=1)
    session.add(row)
    await session.commit()
    deadline = time.monotonic() + TEST_WAIT_SECONDS
    while True:
        attempt = (await session.execute(
            select(DeliveryAttempt.outcome, DeliveryAttempt.status_code, DeliveryAttempt.detail,
                   DeliveryAttempt.duration_ms)
            .where(DeliveryAttempt.outbox_id == row.id).order_by(DeliveryAttempt.id.desc()).limit(1))).first()
        await session.commit()  # a fresh snapshot for the next look
        if attempt is not None and attempt.outcome not in ("sending", "interrupted"):
            return TestOut(outcome="delivered" if attempt.outcome == "delivered" else "failed",
                           status_code=attempt.status_code, answer=attempt.detail, duration_ms=attempt.duration_ms,
                           delivery_id=row.id)
        if time.monotonic() >= deadline:
            return TestOut(outcome="queued" if attempt is None else "sending", delivery_id=row.id)
        await asyncio.sleep(0.1)


def _incident_ids(payload: dict[str, Any]) -> list[int]:
    told = payload.get("members") or [payload]
    return [m["incident_id"] for m in told if m.get("incident_id") is not None]


async def deliveries(*, session: AsyncSession, org_id: int | None, channel_id: int, limit: int,
                     before_id: int | None) -> tuple[list[DeliveryOut], int | None]:
    await _one(session, org_id, channel_id)
    query = (select(DeliveryAttempt, OutboxRow.payload).join(OutboxRow, OutboxRow.id == DeliveryAttempt.outbox_id)
             .where(DeliveryAttempt.channel_id == channel_id).order_by(DeliveryAttempt.id.desc()).limit(limit + 1))
    if before_id is not None:
        query = query.where(DeliveryAttempt.id < before_id)
    rows = (await session.execute(query)).all()
    more = len(rows) > limit
    items = [DeliveryOut(id=a.id, notification_id=a.outbox_id, event=payload["event"],
                         incident_id=payload.get("incident_id"), incident_ids=_incident_ids(payload),
                         attempt=a.attempt, started_at=a.started_at,
                         duration_ms=a.duration_ms, outcome=a.outcome, status_code=a.status_code, detail=a.detail)
             for a, payload in rows[:limit]]
    return items, items[-1].id if more else None
