"""The one statement that adds ticks to the rollups, used by ingest (the ticks a batch inserted) and by
`uptick-maintain --repair` (the stored ticks of whole days, after deleting those days' rollups).

A check counts its monitor's interval as up or down time in the bucket of its scheduled time; the latency
histogram is summed in Postgres (uptick_histogram_one/_sum, made by migration 0007). Rows go in key order,
so that two transactions adding to the same rows wait for each other instead of deadlocking.
"""

from __future__ import annotations

from uptick_common.history import Resolution

_COLUMNS = ("monitor_id, bucket, region, checks, up_checks, down_checks, up_seconds, down_seconds, "
            "latency_count, latency_min, latency_max, latency_sum, latency_histogram")
_ADDED = ("checks", "up_checks", "down_checks", "up_seconds", "down_seconds", "latency_count", "latency_sum")


def add_ticks(resolution: Resolution, source: str, where: str = "") -> str:
    """INSERT … SELECT adding the ticks of `source` (a table or CTE with ticks' columns, aliased t)."""
    updates = ", ".join(f"{c} = r.{c} + excluded.{c}" for c in _ADDED)
    # The names are this module's constants and `where` the caller's own SQL (with bound parameters).
    return f"""
        INSERT INTO {resolution.table} AS r ({_COLUMNS})
        SELECT t.monitor_id, date_bin(interval '{resolution.seconds} seconds', t.scheduled_at, timestamptz 'epoch'),
               t.region, count(*), count(*) FILTER (WHERE t.status = 'up'), count(*) FILTER (WHERE t.status = 'down'),
               coalesce(sum(m.interval_seconds) FILTER (WHERE t.status = 'up'), 0),
               coalesce(sum(m.interval_seconds) FILTER (WHERE t.status = 'down'), 0),
               count(t.latency_ms), min(t.latency_ms), max(t.latency_ms), coalesce(sum(t.latency_ms), 0),
               uptick_histogram_sum(uptick_histogram_one(t.latency_ms)) FILTER (WHERE t.latency_ms IS NOT NULL)
        FROM {source} t JOIN monitors m ON m.id = t.monitor_id
        {where}
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (monitor_id, bucket, region) DO UPDATE SET {updates},
            latency_min = least(r.latency_min, excluded.latency_min),
            latency_max = greatest(r.latency_max, excluded.latency_max),
            latency_histogram = uptick_histogram_add(r.latency_histogram, excluded.latency_histogram)
    """  # noqa: S608

