"""SVG badges of a monitor (shields.io's flat look: a grey label, a coloured value) at unguessable URLs,
`/api/badges/<token>/<kind>.svg`, for READMEs and wikis; and a new token on request (the old URLs stop working).

A badge is read from the monitor's state and its hour and day rollups in one query; `Cache-Control` lets image
proxies (GitHub's camo) keep it 30 s, its ETag answers their revalidation with a 304.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from xml.sax.saxutils import escape

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from sqlalchemy import select, text, update

from uptick_common import audit
from uptick_common.access import Editor
from uptick_common.api import DbSession, RowId
from uptick_common.db.models import Monitor
from uptick_common.history import HOUR
from uptick_monitors import service as monitors
from uptick_monitors.router import NOT_FOUND as MONITOR_NOT_FOUND
from uptick_monitors.schemas import MonitorOut
from uptick_monitors.statuspages.content import public_state

router = APIRouter(prefix="/api", tags=["badges"])
Kind = Literal["status", "uptime-24h", "uptime-7d", "uptime-30d", "latency"]
CACHE_CONTROL = "public, max-age=30"
NOT_FOUND = "badge not found"
LABELS = {"status": "status", "uptime-24h": "uptime 24h", "uptime-7d": "uptime 7d", "uptime-30d": "uptime 30d",
          "latency": "response time"}
GREEN, LIME, YELLOW, ORANGE, RED, GREY, BLUE = ("#2e7d32", "#558b2f", "#a16207", "#c2410c", "#c62828", "#616161",
                                              "#1565c0")
STATE_BADGES = {"up": ("up", GREEN), "degraded": ("degraded", YELLOW), "down": ("down", RED),
                "maintenance": ("maintenance", BLUE), "paused": ("paused", GREY), "pending": ("pending", GREY)}

_BADGE = text("""
SELECT m.paused, m.interval_seconds, m.regions, s.status, s.regions::text,
  (SELECT array[sum(up_seconds), sum(down_seconds), sum(latency_sum), sum(latency_count)] FROM rollups_hour
   WHERE monitor_id = m.id AND bucket >= :hour),
  (SELECT array[sum(up_seconds), sum(down_seconds)] FROM rollups_day WHERE monitor_id = m.id AND bucket >= :week),
  (SELECT array[sum(up_seconds), sum(down_seconds)] FROM rollups_day WHERE monitor_id = m.id AND bucket >= :month)
FROM monitors m LEFT JOIN monitor_status s ON s.monitor_id = m.id WHERE m.badge_token = :token
""")


def _text_width(value: str) -> int:
    """About how wide Verdana 11px draws `value` (what shields.io measures), in pixels."""
    narrow, wide = set("fijlrt .,:;'|!()[]"), set("mwMW%@")
    return round(sum(3.5 if c in narrow else 10.5 if c in wide else 8.0 if c.isupper() else 6.9 for c in value))


def svg(label: str, value: str, colour: str) -> str:
    left, right = _text_width(label) + 10, _text_width(value) + 10
    width, label_x, value_x = left + right, left / 2, left + right / 2
    title = escape(f"{label}: {value}")
    alternative = escape(f"{label}: {value}", {'"': "&quot;"})
    label, value = escape(label), escape(value)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{alternative}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{label_x}" y="15" fill="#010101" fill-opacity=".3">{label}</text>'
        f'<text x="{label_x}" y="14">{label}</text>'
        f'<text x="{value_x}" y="15" fill="#010101" fill-opacity=".3">{value}</text>'
        f'<text x="{value_x}" y="14">{value}</text></g></svg>')


def _uptime(sums: list[int | None] | None) -> tuple[str, str]:
    up, down = (int(v or 0) for v in (sums or [0, 0])[:2])
    if up + down == 0:
        return "no data", GREY
    percent = 100 * up / (up + down)
    colour = GREEN if percent >= 99.9 else LIME if percent >= 99 else YELLOW if percent >= 95 else RED
    shown = "100%" if up == up + down else f"{min(percent, 99.99):.2f}%"
    return shown, colour


def _latency(sums: list[int | None] | None) -> tuple[str, str]:
    total, count = (int(v or 0) for v in (sums or [0, 0, 0, 0])[2:4])
    if count == 0:
        return "no data", GREY
    average = round(total / count)
    colour = GREEN if average < 300 else LIME if average < 800 else YELLOW if average < 2000 else ORANGE
    return f"{average} ms", colour


@router.get("/badges/{token}/{kind}.svg", response_class=Response, responses={
    200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}, "description": "the badge (SVG)"}})
async def badge(request: Request, session: DbSession, token: Annotated[str, Path(max_length=64)], kind: Kind,
                label: Annotated[str | None, Query(max_length=40, description="the left-hand text")] = None,
                ) -> Response:
    """A monitor's badge; no login: the token in the URL is the secret (the monitor's `badges` give the URLs).
    Status, uptime over 24 hours / 7 days / 30 days, or the average response time over 24 hours."""
    now = datetime.now(UTC)
    today = datetime.combine(now.date(), datetime.min.time(), UTC)
    row = (await session.execute(_BADGE, {"token": token, "hour": HOUR.floor(now - timedelta(hours=24)),
                                          "week": today - timedelta(days=7), "month": today - timedelta(days=30)},
                                 )).first() if token.isalnum() else None
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    paused, interval, regions, state, results, day, week, month = row
    if kind == "status":
        value, colour = STATE_BADGES[public_state(state, paused, results, interval, list(regions), now)]
    elif kind == "latency":
        value, colour = _latency(day)
    else:
        value, colour = _uptime({"uptime-24h": day, "uptime-7d": week, "uptime-30d": month}[kind])
    body = svg(label if label is not None else LABELS[kind], value, colour).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag, "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    if etag in {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(body, media_type="image/svg+xml", headers=headers)


@router.post("/monitors/{monitor_id}/badge-token", response_model=MonitorOut, tags=["monitors"])
async def renew_badge_token(session: DbSession, actor: Editor, monitor_id: RowId) -> MonitorOut:
    """A new secret for the monitor's badge URLs: the old ones answer 404 from now on."""
    found = await session.scalar(select(Monitor.id).where(Monitor.id == monitor_id, Monitor.org_id == actor.org_id)
                                 .with_for_update())
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, MONITOR_NOT_FOUND)
    await session.execute(update(Monitor).where(Monitor.id == monitor_id).values(
        badge_token=text("replace(gen_random_uuid()::text, '-', '')")))
    audit.record(session, actor, "monitor.badge_token_renewed", "monitor", monitor_id)
    await session.commit()
    return await monitors.get(session=session, org_id=actor.org_id, monitor_id=monitor_id)
