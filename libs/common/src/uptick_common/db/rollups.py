"""The one statement that adds ticks to the rollups, used by ingest (the ticks a batch inserted) and by
`uptick-maintain --repair` (the stored ticks of whole days, after deleting those days' rollups), and the
expression that sums histograms when the API reads them.

A check counts its monitor's interval as up or down time in the bucket of its scheduled time, or as
maintenance time when it was scheduled inside a maintenance window (`ticks.maintenance`): then it counts as
neither an up nor a down check (`checks` is all three). Histograms
are built and added bucket by bucket with plain expressions written out from HISTOGRAM_BOUNDS_MS (an
ARRAY[...] of 23 terms): a SQL function doing the same per row made ingest three times slower (measured).
Rows go in key order, so that two transactions adding to the same rows wait for each other instead of
deadlocking.
"""

from __future__ import annotations

from uptick_common.history import HISTOGRAM_BOUNDS_MS, HISTOGRAM_SIZE, Resolution

_COLUMNS = ("monitor_id, bucket, region, checks, up_checks, down_checks, up_seconds, down_seconds, "
            "maintenance_seconds, latency_count, latency_min, latency_max, latency_sum, latency_histogram")
_ADDED = ("checks", "up_checks", "down_checks", "up_seconds", "down_seconds", "maintenance_seconds", "latency_count",
          "latency_sum")
_BOUNDS = "'{" + ",".join(map(str, HISTOGRAM_BOUNDS_MS)) + "}'::integer[]"


def histogram_bucket(latency: str) -> str:
    """The 0-based histogram bucket of a latency expression (uptick_common.history.histogram_bucket)."""
    return f"width_bucket({latency} - 1, {_BOUNDS})"


def _array(term: str) -> str:
    return "ARRAY[" + ", ".join(term.format(i=i, n=i + 1) for i in range(HISTOGRAM_SIZE)) + "]::integer[]"


def histogram_sum(column: str = "latency_histogram") -> str:
    """An aggregate expression: the bucket-by-bucket sum of a histogram column over the rows grouped."""
    return _array(f"coalesce(sum({column}[{{n}}]), 0)")


_ONE_PER_CHECK = _array("count(*) FILTER (WHERE t.hb = {i})")
_ADD_ON_CONFLICT = _array("r.latency_histogram[{n}] + excluded.latency_histogram[{n}]")


def add_ticks(resolution: Resolution, source: str, where: str = "") -> str:
    """INSERT … SELECT adding the ticks of `source` (a table or CTE with ticks' columns)."""
    updates = ", ".join(f"{c} = r.{c} + excluded.{c}" for c in _ADDED)
    # The names are this module's constants and `where` the caller's own SQL (with bound parameters).
    return f"""
        INSERT INTO {resolution.table} AS r ({_COLUMNS})
        SELECT t.monitor_id, date_bin(interval '{resolution.seconds} seconds', t.scheduled_at, timestamptz 'epoch'),
               t.region, count(*), count(*) FILTER (WHERE t.status = 'up' AND NOT t.maintenance),
               count(*) FILTER (WHERE t.status = 'down' AND NOT t.maintenance),
               coalesce(sum(m.interval_seconds) FILTER (WHERE t.status = 'up' AND NOT t.maintenance), 0),
               coalesce(sum(m.interval_seconds) FILTER (WHERE t.status = 'down' AND NOT t.maintenance), 0),
               coalesce(sum(m.interval_seconds) FILTER (WHERE t.maintenance), 0),
               count(t.latency_ms), min(t.latency_ms), max(t.latency_ms), coalesce(sum(t.latency_ms), 0),
               {_ONE_PER_CHECK}
        FROM (SELECT s.*, {histogram_bucket('s.latency_ms')} AS hb FROM {source} s) t
        JOIN monitors m ON m.id = t.monitor_id
        {where}
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (monitor_id, bucket, region) DO UPDATE SET {updates},
            latency_min = least(r.latency_min, excluded.latency_min),
            latency_max = greatest(r.latency_max, excluded.latency_max),
            latency_histogram = {_ADD_ON_CONFLICT}
    """  # noqa: S608
