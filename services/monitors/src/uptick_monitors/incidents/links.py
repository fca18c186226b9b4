"""The acknowledge link in a notification: `GET` shows a page with one button (mail scanners and chat
previews follow links, so opening it changes nothing); its `POST` acknowledges the incident. The link's
secret is the incident's own, made when it opened, and works once."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from uptick_common.api import DbSession
from uptick_monitors.incidents import service

router = APIRouter(prefix="/api/ack", tags=["incidents"], include_in_schema=False)
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Uptick</title>
<meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto">{body}</body></html>"""
USED = "<p>This link has been used, or the incident is resolved or acknowledged already.</p>"


@router.get("/{token}", response_class=HTMLResponse)
async def confirm_page(token: str) -> HTMLResponse:
    form = ('<form method="post"><p>Acknowledge this incident? Reminders and escalation stop.</p>'
            '<button type="submit">Acknowledge</button></form>')
    return HTMLResponse(PAGE.format(body=form), headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.post("/{token}", response_class=HTMLResponse)
async def acknowledge(session: DbSession, token: str) -> HTMLResponse:
    try:
        name = await service.acknowledge_by_link(session=session, token=token)
    except service.NotFound:
        return HTMLResponse(PAGE.format(body=USED), status_code=404)
    return HTMLResponse(PAGE.format(body=f"<p>The incident of {escape(name)} is acknowledged.</p>"),
                        headers={"Cache-Control": "no-store"})
