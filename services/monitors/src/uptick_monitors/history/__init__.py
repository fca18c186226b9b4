"""Check history for users: uptime and latency percentiles for a range, daily bars, the SLA report, and the
list's 24-hour and 30-day uptime; all read from the rollups ingest keeps, never from raw ticks."""
