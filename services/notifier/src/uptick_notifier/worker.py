"""The notifier: delivers the outbox to channels, records every attempt, retries with backoff.

Each round claims as many due rows as there is room for (`concurrency`), sends each as its own task
(each under the per-attempt deadline), and reports the outcome. SIGTERM: no new claims; the sends under
way finish within the grace period, and any cut short come due again when their lease ends.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import partial

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from uptick_common import channels
from uptick_common.channels.base import Answer
from uptick_common.channels.notification import Notification
from uptick_common.db.engine import create_engine
from uptick_common.metrics import ALERT_LATENCY, NOTIFICATION_DURATION, NOTIFICATIONS, OUTBOX_AGE
from uptick_common.worker import Worker
from uptick_notifier import outbox, regions, reminders
from uptick_notifier.notices import MaintenanceNotices
from uptick_notifier.outbound import Outbound
from uptick_notifier.settings import NotifierSettings

log = structlog.get_logger(__name__)


def notification(row: outbox.Claimed, public_url: str) -> Notification:
    """The row's notification, with its identity (the same on every attempt) and the incidents' links."""
    note = Notification.model_validate({**row.payload, "key": f"msg_{row.id}"})
    base = public_url.rstrip("/")
    if note.members:
        note.incident_url = f"{base}/incidents"
        for member in note.members:
            _links(member, base, row.ack_tokens.get(member.incident_id or 0))
    else:
        _links(note, base, row.ack_token)
    return note


def _links(note: Notification, base: str, ack_token: str | None) -> None:
    if note.incident_id is not None:
        note.incident_url = f"{base}/incidents/{note.incident_id}"
    if ack_token is not None:
        note.ack_url = f"{base}/api/ack/{ack_token}"


def _alert_latency(channel_type: str, note: Notification) -> None:
    """From each incident's first failing check to now, when its down notification was delivered."""
    now = datetime.now(UTC)
    for incident in note.members or [note]:
        if incident.started_at is not None:
            ALERT_LATENCY.labels(channel_type).observe(max(0.0, (now - incident.started_at).total_seconds()))


class Notifier(Worker[NotifierSettings]):
    engine: AsyncEngine

    def __init__(self, settings: NotifierSettings, engine: AsyncEngine, out: Outbound | None = None) -> None:
        super().__init__(settings, engine=engine)
        self.out = out or Outbound(settings.notifier_allowed_networks, settings.attempt_timeout_seconds)
        self._next_reminders = self._next_regions = 0.0
        self.notices = MaintenanceNotices()

    @classmethod
    async def create(cls, settings: NotifierSettings) -> Notifier:
        return cls(settings, create_engine(settings.database_url, pool_size=4))

    async def step(self) -> float:
        """One round: queue the reminders due and the notices of regions gone silent or back, claim what there
        is room for and start sending it; the seconds to rest after."""
        if time.monotonic() >= self._next_reminders:
            self._next_reminders = time.monotonic() + self.settings.reminder_check_seconds
            await reminders.tell_due(self.engine)
            await self.notices.tell_due(self.engine)
            OUTBOX_AGE.set(await outbox.age(self.engine))
        if time.monotonic() >= self._next_regions:
            self._next_regions = time.monotonic() + self.settings.region_check_seconds
            await regions.watch(self.engine)
        room = self.settings.concurrency - self.in_flight
        if room <= 0:
            await self.until_one_finishes()
            return 0
        claimed = await outbox.claim(self.engine, limit=room, lease=self.settings.lease_seconds,
                                     max_attempts=self.settings.max_attempts, gathering=self.settings.gathering)
        for row in claimed:
            self.spawn(self._deliver(row))
        return 0 if len(claimed) == room else self.settings.poll_seconds

    async def _deliver(self, row: outbox.Claimed) -> None:
        await self.deliver(row)

    async def deliver(self, row: outbox.Claimed) -> str:
        note = notification(row, self.settings.public_url)
        started = time.perf_counter()
        try:
            module = channels.TYPES[row.channel_type]
            answer = await module.send(module.Config.model_validate(row.config), note, self.out)
        except Exception as exc:  # a config that no longer validates, a bug in a renderer: this row fails
            log.exception("notification could not be sent", outbox_id=row.id, channel_type=row.channel_type)
            answer = Answer(False, detail=f"could not be sent: {type(exc).__name__}")
        duration = time.perf_counter() - started
        # The outcome must be written (else it is sent again): Postgres away is waited out, within the lease.
        outcome = await self.wait_out("postgres", partial(
            outbox.report, self.engine, row, answer, int(duration * 1000), base=self.settings.retry_base_seconds,
            cap=self.settings.retry_cap_seconds))
        NOTIFICATIONS.labels(row.channel_type, outcome).inc()
        NOTIFICATION_DURATION.labels(row.channel_type).observe(duration)
        if outcome == "delivered" and note.event == "down":
            _alert_latency(row.channel_type, note)
        log.info("notification attempt", outbox_id=row.id, channel_id=row.channel_id, channel_type=row.channel_type,
                 notification=note.event, attempt=row.attempt, outcome=outcome, status_code=answer.status_code,
                 duration_ms=int(duration * 1000))
        return outcome

    async def close(self) -> None:
        await self.out.aclose()
        await super().close()
