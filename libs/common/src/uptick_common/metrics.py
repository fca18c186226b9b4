"""Every Prometheus metric Uptick exports, named once. No label carries a monitor id, URL or user."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

# checker
CHECKS = Counter("uptick_checks_total", "Checks done, by region and result (up/down).", ["region", "result"])
RECHECKS = Counter(
    "uptick_rechecks_total", "First failures re-checked at once, by region and the re-check's result.",
    ["region", "result"],
)
CHECK_DURATION = Histogram(
    "uptick_check_duration_seconds", "Time one check took.", ["region"], buckets=_LATENCY_BUCKETS
)
SCHEDULING_LATENESS = Histogram(
    "uptick_scheduling_lateness_seconds",
    "How long after its due time a check started.",
    ["region"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
CHECKS_OVER_HOST_RATE = Counter(
    "uptick_checks_over_host_rate_total",
    "Checks started at once, unpaced, because their target host's queue was longer than the longest wait.",
    ["region"],
)
# poller
JOBS_SCHEDULED = Counter("uptick_jobs_scheduled_total", "Check jobs added to a region's stream.", ["region"])
JOBS_SHED = Counter(
    "uptick_jobs_shed_total", "Check jobs not scheduled because the region's backlog was over its bound.",
    ["region"],
)
# streams (each worker reports the streams it consumes or feeds)
STREAM_LAG = Gauge("uptick_stream_lag", "Entries not yet delivered to a consumer group.", ["stream", "group"])
STREAM_PENDING = Gauge(
    "uptick_stream_pending", "Entries delivered to a consumer group but not yet acknowledged.", ["stream", "group"]
)
STREAM_LENGTH = Gauge("uptick_stream_length", "Entries in a stream.", ["stream"])
STREAM_TRIMMED = Counter(
    "uptick_stream_trimmed_total", "Entries past retention trimmed, every consumer group having acknowledged them.",
    ["stream"],
)
STREAM_UNACKED_AGE = Gauge(
    "uptick_stream_unacked_age_seconds",
    "Age of the oldest entry some consumer group has not acknowledged (0: all caught up); retention keeps it.",
    ["stream"],
)
DEAD_LETTERS = Counter("uptick_dead_letters_total", "Messages moved to a dead-letter stream.", ["stream"])
# ingest
INGEST_BATCH_SIZE = Histogram(
    "uptick_ingest_batch_size", "Results written per batch.", buckets=(1, 10, 50, 100, 250, 500, 1000, 2500)
)
INGEST_BATCH_DURATION = Histogram(
    "uptick_ingest_batch_duration_seconds", "Time to write one batch.", buckets=_LATENCY_BUCKETS
)
INGEST_TICKS = Counter("uptick_ingest_ticks_total", "Results ingested, stored or duplicate.", ["outcome"])
INCIDENTS_OPENED = Counter(
    "uptick_incidents_opened_total", "Incidents opened (a flapping incident reopened is not a new one)."
)
# HTTP services
HTTP_REQUESTS = Counter(
    "uptick_http_requests_total", "HTTP requests answered.", ["service", "route", "method", "status_class"]
)
HTTP_DURATION = Histogram(
    "uptick_http_request_duration_seconds", "HTTP request duration.", ["service", "route", "method"],
    buckets=_LATENCY_BUCKETS,
)
# notifier
NOTIFICATIONS = Counter(
    "uptick_notifications_total", "Notification attempts, by channel type and outcome (delivered, retrying, failed).",
    ["channel_type", "outcome"],
)
OUTBOX_AGE = Gauge(
    "uptick_outbox_age_seconds", "How long the oldest notification that is due has waited to be delivered (0: none).",
)
NOTIFICATION_DURATION = Histogram(
    "uptick_notification_duration_seconds", "Time one notification attempt took.", ["channel_type"],
    buckets=_LATENCY_BUCKETS,
)
ALERT_LATENCY = Histogram(
    "uptick_alert_latency_seconds",
    "From an incident's first failing check to its down notification delivered (once per incident and channel).",
    ["channel_type"], buckets=(1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 600),
)
NOTIFICATION_GROUPS = Counter(
    "uptick_notification_groups_total", "Grouped notifications made of a storm's notifications, by channel type.",
    ["channel_type"],
)
NOTIFICATIONS_GROUPED = Counter(
    "uptick_notifications_grouped_total", "Notifications that went in a group instead of on their own.",
    ["channel_type"],
)
OPERATOR_SYNCS = Counter(
    "uptick_operator_syncs_total",
    "Monitor resources the operator synced to Uptick, by action (create, update, delete, status) and outcome.",
    ["action", "outcome"],
)
