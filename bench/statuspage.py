"""Status pages served from their snapshot: requests per second of a 50-monitor page (90 days of bars each)
from the monitors service process, full answers (200) and revalidations (304), against the same process's
static `/healthz` measured in the same run (the peer: what the process, uvicorn and wrk cost with no work at
all). Also the time of a snapshot's build (the first request after a change).

wrk (one thread, 16 connections) straight at the monitors service (no router), as the API section does.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import time
from typing import Any

import httpx
import psycopg

from bench.checker import _wrk, _wrk_figures

MONITORS, GROUPS = 50, 5
SLUG = "bench-status"


def settings(quick: bool) -> tuple[int, int]:
    """wrk runs per case, seconds per run."""
    return (2, 3) if quick else (5, 10)


def planned_seconds(quick: bool) -> float:
    runs, seconds = settings(quick)
    return 3 + 3 * runs * (seconds + 0.5)


def _history(database_url: str, ids: list[int], region: str) -> None:
    """90 days of day rollups for the page's monitors, a few days with some downtime: what the bars read."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO rollups_day (monitor_id, bucket, region, checks, up_checks, down_checks, up_seconds,"
            " down_seconds, latency_count, latency_sum, latency_histogram)"
            " SELECT m, b, %(region)s, 2880, 2880, 0, 86400 - (CASE WHEN (m + extract(day FROM b)::int) %% 17 = 0"
            "  THEN 600 ELSE 0 END), CASE WHEN (m + extract(day FROM b)::int) %% 17 = 0 THEN 600 ELSE 0 END,"
            "  2880, 115200, array_fill(0, ARRAY[23])"
            " FROM unnest(%(ids)s::bigint[]) m, generate_series(date_trunc('day', now()) - interval '89 days',"
            "  date_trunc('day', now()), interval '1 day') b ON CONFLICT DO NOTHING", {"ids": ids, "region": region})


async def run(ctx: Any, api_url: str, token: str, first_monitor: int, database_url: str,
              region: str) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"error": "wrk missing (bench/install.sh installs it)"}
    runs, seconds = settings(ctx.quick)
    ids = list(range(first_monitor, first_monitor + MONITORS))
    await asyncio.to_thread(_history, database_url, ids, region)
    per_group = MONITORS // GROUPS
    groups = [{"name": f"Group {g + 1}",
               "monitors": [{"monitor_id": m} for m in ids[g * per_group:(g + 1) * per_group]]} for g in range(GROUPS)]
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as client:
        made = await client.post("/api/status-pages", headers={"Authorization": f"Bearer {token}"},
                                 json={"slug": SLUG, "title": "Bench status", "groups": groups})
        assert made.status_code == 201, made.text
        began = time.perf_counter()
        first = await client.get(f"/status/{SLUG}")
        build_ms = round((time.perf_counter() - began) * 1000, 1)
        assert first.status_code == 200, first.text[:200]
        etag = first.headers["etag"]
    url = f"{api_url}/status/{SLUG}"
    cases = {"page_200": [url], "page_304": [url, "-H", f"If-None-Match: {etag}"],
             "healthz_peer": [f"{api_url}/healthz"]}
    measured: dict[str, Any] = {}
    for name, args in cases.items():
        per_run = []
        for _ in range(runs):
            out = await asyncio.to_thread(_wrk, ["-t1", "-c16", f"-d{seconds}s", "--timeout", "10s", *args])
            figures = _wrk_figures(out)
            assert figures["socket_errors"] == 0 and figures["non_2xx"] == 0, (name, figures)
            per_run.append(figures["per_s"])
        measured[name] = {"per_s": round(statistics.median(per_run), 1), "runs": per_run}
        ctx.say(f"status page {name}: {measured[name]['per_s']:,.0f} requests/s")
    peer = measured["healthz_peer"]["per_s"]
    return {"monitors": MONITORS, "groups": GROUPS, "bytes": len(first.content), "first_build_ms": build_ms,
            "cases": measured, "page_vs_healthz": round(measured["page_200"]["per_s"] / peer, 3) if peer else None,
            "how": f"wrk -t1 -c16, {runs} runs × {seconds} s per case, median; straight at the monitors service"}
