"""The tables, each with one owning service that writes it (DESIGN.md); the others only read.

- auth:      users, auth_sessions, refresh_tokens, organizations, memberships, api_tokens (but
             `last_used_at`, which any service that authenticates a token writes), invitations
- monitors:  monitors (all columns but `next_due_at`)
- audit_log: appended to by the service that makes the change (auth, monitors); never updated
- poller:    monitors.next_due_at (the schedule; the only column the poller writes)
- ingest:    ticks, monitor_status, rollups_minute/hour/day, incidents (their transitions), outbox
             (the notifications they cause)
- maintain:  the partitions of ticks and rollups_minute (made ahead, dropped past retention)
- monitors:  channels; incidents' acknowledgement; outbox rows of test notifications; status_pages,
             status_page_monitors, status_page_snapshots (any replica that finds one out of date rebuilds it)
- incident_events: appended by the service that makes the change (ingest, monitors); never updated
- notifier:  outbox (delivery state, storms' groups, region notices), delivery_attempts, region_silences;
             outbox rows of maintenance notices
- monitors:  maintenance_windows
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(Text, unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuthSession(Base):
    """One log-in. The access token names it (`sid`), so log-out revokes the token for every service."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RefreshToken(Base):
    """A refresh token of a session, stored hashed. Each is used once: refreshing marks it used and adds the
    next one; a used one shown again means it was stolen, and ends the session (the whole family)."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    session_id: Mapped[str] = mapped_column(Text, ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Organization(Base):
    """Owns monitors (and later channels, incidents, status pages). `personal_for`: the user whose sign-up
    made it, the organization a request acts in when it names none."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    personal_for: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"),
                                                     unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Membership(Base):
    __tablename__ = "memberships"

    org_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"),
                                        primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    role: Mapped[str] = mapped_column(Text)  # owner | admin | editor | viewer (uptick_common.access.Role)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiToken(Base):
    """An organization's API token (`upt_…`), stored as its SHA-256: it is random, so a fast hash is enough."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    org_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"))
    created_by: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(Text)  # the first characters, shown so that a token can be recognised
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_api_tokens_org_id", "org_id", "id"),)


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    org_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(Text)  # lower-cased
    role: Mapped[str] = mapped_column(Text)
    invited_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_invitations_org_id", "org_id", "id"),)


class AuditEntry(Base):
    """Who (a user, or a user's API token) changed what in an organization. `details` never holds secrets:
    the names of changed fields, a role, a token's name, never a value that could be one."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    org_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    actor_token_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("api_tokens.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(Text)  # e.g. monitor.created, member.role_changed, token.revoked
    target_type: Mapped[str] = mapped_column(Text)
    target_id: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, object]] = mapped_column(JSONB, server_default=text("'{}'"))

    __table_args__ = (Index("ix_audit_log_org_id_id", "org_id", "id"),)


class Monitor(Base):
    __tablename__ = "monitors"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    org_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"))
    # Who created it; NULL once that account is gone (the monitor stays with its organization).
    user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    timeout_seconds: Mapped[int] = mapped_column(Integer)
    regions: Mapped[list[str]] = mapped_column(ARRAY(Text))
    paused: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Regions that must agree before the monitor is down; None means a majority of its regions.
    quorum: Mapped[int | None] = mapped_column(Integer)
    # Down only after the quorum has failed this long; up again only after passing this long.
    confirmation_period_seconds: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    recovery_period_seconds: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The check: a CheckSpec (uptick_common.checks) as its JSON, validated by the API; the one place its options
    # are listed is that model (a key a row lacks reads as its default). Header values in it are secrets.
    spec: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    # Who else manages it (e.g. `kubernetes:<namespace>/<name>:<uid>`): only requests naming it change or delete it.
    managed_by: Mapped[str | None] = mapped_column(Text)
    # Heartbeat monitors: the secret in their push URL.
    heartbeat_token: Mapped[str | None] = mapped_column(Text)  # unique (ix_monitors_heartbeat_token)
    # The channels its incidents alert; None: the organization's default channels.
    channel_ids: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    # While an incident is open and unacknowledged: told again this often (None: never); told to the
    # escalation channels too once it has been unacknowledged for escalate_after_seconds.
    reminder_interval_seconds: Mapped[int | None] = mapped_column(Integer)
    escalate_after_seconds: Mapped[int | None] = mapped_column(Integer)
    escalation_channel_ids: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    # The monitor it depends on (its host, its gateway): while that one is down, this one's incidents alert nothing.
    depends_on: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("monitors.id", ondelete="SET NULL"))
    # The secret of its public badge URLs (/api/badges/<token>/…); a new one replaces it when asked.
    badge_token: Mapped[str] = mapped_column(Text, server_default=text("replace(gen_random_uuid()::text, '-', '')"))
    # Written by the poller only. A new or resumed monitor is due at once (server default now()).
    next_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_monitors_org_id_id", "org_id", "id"),
        Index("ix_monitors_due", "next_due_at", postgresql_where=text("NOT paused")),
        # Only the tokens there are: the poller's claims would otherwise add a NULL entry each.
        Index("ix_monitors_heartbeat_token", "heartbeat_token", unique=True,
              postgresql_where=text("heartbeat_token IS NOT NULL")),
        Index("ux_monitors_badge_token", "badge_token", unique=True),
    )


class MonitorStatus(Base):
    """The dashboard summary of a monitor, kept current by ingest in the same transaction as its ticks."""

    __tablename__ = "monitor_status"

    monitor_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(Text)  # up | down
    last_latency_ms: Mapped[int | None] = mapped_column(Integer)
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    recent_latencies_ms: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default=text("'{}'"))
    # Latest result per region: {"eu-west": <uptick_common.status.RegionResult as JSON>, ...}
    regions: Mapped[dict[str, dict[str, object]]] = mapped_column(JSONB, server_default=text("'{}'"))
    # When the quorum of regions started failing (or passing): the start of a confirmation (recovery) period.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    passing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Tick(Base):
    """One check of one monitor from one region. The key is the job's identity: redelivery stores nothing.
    Partitioned by day on `scheduled_at` (uptick_common.history), so that retention drops whole days."""

    __tablename__ = "ticks"
    __table_args__ = {"postgresql_partition_by": "RANGE (scheduled_at)"}

    monitor_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    scheduled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    region: Mapped[str] = mapped_column(Text, primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(Text)  # up | down
    http_status: Mapped[int | None] = mapped_column(SmallInteger)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # Where the time went (ms; the total is latency_ms); None for a phase that did not happen.
    dns_ms: Mapped[int | None] = mapped_column(Integer)
    connect_ms: Mapped[int | None] = mapped_column(Integer)
    tls_ms: Mapped[int | None] = mapped_column(Integer)
    ttfb_ms: Mapped[int | None] = mapped_column(Integer)
    # Per assertion: {"assertion": "[BODY].status == UP", "passed": false, "got": "\"DOWN\""}; None: not evaluated.
    assertions: Mapped[list[dict[str, object]] | None] = mapped_column(JSONB)
    # Scheduled inside a maintenance window of its monitor (ingest decides): its time counts as maintenance.
    maintenance: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Channel(Base):
    """Where an organization's alerts go: `type` names the module in uptick_common.channels that validated
    `config` (secrets included: the API never shows them back)."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    org_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    config: Mapped[dict[str, object]] = mapped_column(JSONB)
    is_default: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_channels_org_id_id", "org_id", "id"),)


class Incident(Base):
    """A monitor confirmed down until it is confirmed up again; at most one unresolved per monitor."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    org_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"))
    monitor_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("monitors.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(Text, server_default=text("'open'"))  # open | acknowledged | resolved
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the first failing check
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # confirmed down
    cause: Mapped[str | None] = mapped_column(Text)
    regions: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Went down again soon after resolving: the same incident, reopened, marked, and alerted no more.
    flapping: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    reopened: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Written by the notifier: the last reminder, the escalation.
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The secret of the acknowledge link in its notifications; cleared once used (or resolved).
    ack_token: Mapped[str | None] = mapped_column(Text)
    # Opened while the monitor it depends on had this incident open: recorded under it, alerting nothing.
    parent_incident_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("incidents.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_incidents_org_id_id", "org_id", "id"),
        Index("ux_incidents_ack_token", "ack_token", unique=True, postgresql_where=text("ack_token IS NOT NULL")),
        Index("ix_incidents_unacknowledged", "opened_at",
              postgresql_where=text("resolved_at IS NULL AND acknowledged_at IS NULL")),
        Index("ix_incidents_monitor_id_id", "monitor_id", "id"),
        Index("ux_incidents_unresolved", "monitor_id", unique=True, postgresql_where=text("resolved_at IS NULL")),
    )


class IncidentEvent(Base):
    """The timeline: opened, reopened, acknowledged, note, reminded, escalated, resolved."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    kind: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_incident_events_incident_id_id", "incident_id", "id"),)


class OutboxRow(Base):
    """One notification to one channel, written in the transaction that caused it; the notifier delivers it.
    Unique per incident event and channel: exactly one notification per event per channel."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("channels.id", ondelete="CASCADE"))
    incident_event_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("incident_events.id", ondelete="CASCADE"))  # None: a test notification
    payload: Mapped[dict[str, object]] = mapped_column(JSONB)  # a channels.notification.Notification
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # When it is (next) to be sent; while an attempt is under way, the end of that attempt's lease.
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # pending | delivered | failed | cancelled | grouped (went in a storm's grouped notification, `group_id`)
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    max_attempts: Mapped[int | None] = mapped_column(Integer)  # None: the notifier's setting
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Storms (uptick_notifier.storm): looked at and let go on its own; a grouped notification's member
    # count; a member's grouped notification (its status is then `grouped`).
    gathered: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    group_size: Mapped[int | None] = mapped_column(Integer)
    group_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("outbox.id", ondelete="SET NULL"))
    # A notification that is no incident event (a maintenance notice: `maintenance:<window>:<start ms>:started`)
    # exists once per key and channel (ux_outbox_dedup_key_channel).
    dedup_key: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_groups", "channel_id", "created_at",
                            postgresql_where=text("group_size IS NOT NULL")),)


class RegionSilence(Base):
    """A region no check result has come from for its monitors' staleness window (uptick_notifier.regions):
    the organizations with monitors there are told when it starts and when it ends, once each."""

    __tablename__ = "region_silences"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    region: Mapped[str] = mapped_column(Text)
    last_result_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    org_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default=text("'{}'"))

    __table_args__ = (Index("ux_region_silences_open", "region", unique=True,
                            postgresql_where=text("ended_at IS NULL")),)



class MaintenanceWindow(Base):
    """A time when an organization's monitors (`monitor_ids`, or all of them) are worked on: their checks are
    stored and count as maintenance, their status is `maintenance`, no incident opens and nothing is alerted.
    One-off (`starts_at`, `ends_at`) or recurring: `cron` in `timezone` (a `weekly` one keeps `weekdays` and
    `at_time` as given, and its cron made from them), each occurrence lasting `duration_seconds`
    (uptick_common.maintenance computes the occurrences)."""

    __tablename__ = "maintenance_windows"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    org_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    monitor_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default=text("'{}'"))
    all_monitors: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    kind: Mapped[str] = mapped_column(Text)  # once | cron | weekly
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cron: Mapped[str | None] = mapped_column(Text)
    weekdays: Mapped[list[str] | None] = mapped_column(ARRAY(Text))  # mon … sun
    at_time: Mapped[str | None] = mapped_column(Text)  # HH:MM
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(Text, server_default=text("'UTC'"))
    notify: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_maintenance_windows_org_id_id", "org_id", "id"),)


class DeliveryAttempt(Base):
    """One attempt to deliver an outbox row: what the receiver said, how long it took."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("channels.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    # sending (under way, or its notifier died: then `interrupted` once the row is taken again) | delivered
    # | retrying (failed, another attempt follows) | failed (the last attempt)
    outcome: Mapped[str] = mapped_column(Text, server_default=text("'sending'"))
    status_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_delivery_attempts_channel_id_id", "channel_id", "id"),)


class _Rollup:
    """What one monitor's checks from one region said during one bucket (a minute, an hour or a day), kept
    by ingest in the transaction that stores the ticks. A check counts its interval as up or down time;
    time no check covered is unknown (uptick_monitors.history derives it), time in maintenance is neither."""

    monitor_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bucket: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)  # the bucket's start
    region: Mapped[str] = mapped_column(Text, primary_key=True)
    checks: Mapped[int] = mapped_column(Integer)
    up_checks: Mapped[int] = mapped_column(Integer)
    down_checks: Mapped[int] = mapped_column(Integer)
    up_seconds: Mapped[int] = mapped_column(Integer)
    down_seconds: Mapped[int] = mapped_column(Integer)
    # Checks scheduled inside a maintenance window count their interval here, not as up or down.
    maintenance_seconds: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    latency_count: Mapped[int] = mapped_column(Integer)  # checks with a response time
    latency_min: Mapped[int | None] = mapped_column(Integer)
    latency_max: Mapped[int | None] = mapped_column(Integer)
    latency_sum: Mapped[int] = mapped_column(BigInteger)
    # Checks per bucket of uptick_common.history.HISTOGRAM_BOUNDS_MS (the last: slower than all of them).
    latency_histogram: Mapped[list[int]] = mapped_column(ARRAY(Integer))


class RollupMinute(_Rollup, Base):
    __tablename__ = "rollups_minute"  # partitioned by day on `bucket`, kept about a month
    __table_args__ = {"postgresql_partition_by": "RANGE (bucket)"}


class RollupHour(_Rollup, Base):
    __tablename__ = "rollups_hour"


class RollupDay(_Rollup, Base):
    __tablename__ = "rollups_day"


class StatusPage(Base):
    """A public status page at /status/<slug>: the slug is unique over every organization (its public path)."""

    __tablename__ = "status_pages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    org_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Any change of its configuration (its monitors too): snapshots built before it are out of date.
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_status_pages_org_id_id", "org_id", "id"),)


class StatusPageMonitor(Base):
    """A monitor shown on a page: in the named group (None: the page's ungrouped list), at `position` (the order
    of the page, groups in the order of their first monitor); its URL only if `show_url`."""

    __tablename__ = "status_page_monitors"

    page_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("status_pages.id", ondelete="CASCADE"),
                                         primary_key=True)
    monitor_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("monitors.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    group_name: Mapped[str | None] = mapped_column(Text)
    show_url: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class StatusPageSnapshot(Base):
    """A page rendered (HTML, JSON, Atom, each with its ETag) from the state whose `fingerprint` it keeps."""

    __tablename__ = "status_page_snapshots"

    page_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("status_pages.id", ondelete="CASCADE"),
                                         primary_key=True)
    fingerprint: Mapped[str] = mapped_column(Text)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    documents: Mapped[dict[str, str]] = mapped_column(JSONB)  # kind (html|json|atom) → its text
