"""Check history's shared facts: partition names, rollup resolutions, the latency histogram's buckets.

Ingest writes rollups with these, `uptick-maintain` keeps the partitions, the monitors API reads them back:
one definition for all three.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

# Upper bounds (ms, inclusive) of the latency histogram's buckets; one more bucket holds everything slower.
# Roughly logarithmic: a percentile read back is at most one bucket off, about a third of its value.
HISTOGRAM_BOUNDS_MS: tuple[int, ...] = (
    10, 20, 30, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 20_000,
    30_000, 60_000,
)
HISTOGRAM_SIZE = len(HISTOGRAM_BOUNDS_MS) + 1


def histogram_bucket(latency_ms: int) -> int:
    """The index of the bucket a response time falls in."""
    return bisect.bisect_left(HISTOGRAM_BOUNDS_MS, latency_ms)


def percentile(histogram: Sequence[int], fraction: float, low: int, high: int) -> int | None:
    """The response time below which `fraction` of the checks fall, read from a histogram: the upper bound
    of the bucket holding that rank, kept within the range actually seen (`low`, `high`: min and max)."""
    total = sum(histogram)
    if total == 0:
        return None
    rank, seen = max(1, math.ceil(fraction * total - 1e-9)), 0
    for index, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            bound = HISTOGRAM_BOUNDS_MS[index] if index < len(HISTOGRAM_BOUNDS_MS) else high
            return min(max(bound, low), high)
    return high


@dataclass(frozen=True)
class Resolution:
    name: str  # minute | hour | day: the rollup table is rollups_<name>
    seconds: int

    @property
    def table(self) -> str:
        return f"rollups_{self.name}"

    def floor(self, moment: datetime) -> datetime:
        epoch = int(moment.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.seconds, UTC)


MINUTE, HOUR, DAY = Resolution("minute", 60), Resolution("hour", 3600), Resolution("day", 86_400)
RESOLUTIONS = (MINUTE, HOUR, DAY)

# Tables partitioned by day (`<table>_pYYYYMMDD`, one day each) and the column they are partitioned on.
# The migration's partition `<table>_before_YYYYMMDD` holds everything before that day; `<table>_default`
# catches any row no partition covers yet, so that a missing partition never stops ingest.
PARTITIONED = {"ticks": "scheduled_at", "rollups_minute": "bucket"}


def partition_name(table: str, day: date) -> str:
    return f"{table}_p{day:%Y%m%d}"


def partition_day(table: str, name: str) -> tuple[date, date] | None:
    """[first day, day after the last) that a partition of `table` covers, from its name; None for the
    default partition or a name that is not one of ours. The migration's partition starts at date.min."""
    for prefix, legacy in ((f"{table}_p", False), (f"{table}_before_", True)):
        suffix = name.removeprefix(prefix)
        if suffix != name and len(suffix) == 8 and suffix.isdigit():
            day = datetime.strptime(suffix, "%Y%m%d").date()  # noqa: DTZ007 - a date, no time zone
            return (date.min, day) if legacy else (day, day + timedelta(days=1))
    return None
