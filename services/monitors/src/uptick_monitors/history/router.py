"""The history endpoints: thin, as the monitors router (parse, call the service, map its errors)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from uptick_common.access import Viewer
from uptick_common.api import DbSession
from uptick_monitors.history import service
from uptick_monitors.history.schemas import DailyOut, SeriesOut, SlaOut, UptimeOut
from uptick_monitors.router import NOT_FOUND

router = APIRouter(prefix="/api")

MonitorId = Annotated[int, Path(ge=1, le=2**63 - 1)]
From = Annotated[datetime | None, Query(alias="from", description="ISO 8601; naive times are UTC; default: "
                                        "24 hours before `to` (the SLA report: 30 days)")]
To = Annotated[datetime | None, Query(alias="to", description="ISO 8601; default and at most: now")]


def _span(start: datetime | None, end: datetime | None, **kwargs: object) -> service.Period:
    try:
        return service.period(start, end, now=datetime.now(UTC), **kwargs)  # type: ignore[arg-type]
    except service.InvalidRange as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc


@router.get("/monitors/{monitor_id}/uptime", response_model=UptimeOut, response_model_by_alias=True)
async def uptime(session: DbSession, actor: Viewer, monitor_id: MonitorId, start: From = None,
                 end: To = None) -> UptimeOut:
    """Uptime and response-time percentiles of a monitor over a range, overall and per region."""
    span = _span(start, end)
    try:
        return await service.uptime(session=session, org_id=actor.org_id, monitor_id=monitor_id, span=span)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND) from exc


@router.get("/monitors/{monitor_id}/series", response_model=SeriesOut, response_model_by_alias=True)
async def series(session: DbSession, actor: Viewer, monitor_id: MonitorId, start: From = None, end: To = None,
                 region: Annotated[str | None, Query(max_length=64, description="one region; default: all")] = None,
                 ) -> SeriesOut:
    """Response times (average, p95, max) and checks over a range, one point per bucket and region, from the
    rollups at the range's resolution."""
    span = _span(start, end)
    try:
        return await service.series(session=session, org_id=actor.org_id, monitor_id=monitor_id, span=span,
                                    region=region)
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND) from exc


@router.get("/monitors/{monitor_id}/daily", response_model=DailyOut)
async def daily(session: DbSession, actor: Viewer, monitor_id: MonitorId,
                days: Annotated[int, Query(ge=1, le=service.MAX_DAYS)] = 90) -> DailyOut:
    """Daily bars (UTC days) of the last `days` days, today's so far last."""
    try:
        return await service.daily(session=session, org_id=actor.org_id, monitor_id=monitor_id, days=days,
                                   now=datetime.now(UTC))
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND) from exc


@router.get("/reports/sla", response_model=SlaOut, response_model_by_alias=True,
            responses={200: {"content": {"text/csv": {}}}})
async def sla(session: DbSession, actor: Viewer, start: From = None, end: To = None,
              format: Literal["json", "csv"] = "json") -> SlaOut | Response:  # noqa: A002 - the query's name
    """Per monitor and for the whole organization: uptime, downtime, incidents, MTTR and the longest outage."""
    span = _span(start, end, default=service.SLA_DEFAULT)
    report = await service.sla(session=session, org_id=actor.org_id, span=span, now=datetime.now(UTC))
    if format == "csv":
        name = f"uptick-sla-{span.start:%Y%m%d}-{span.end:%Y%m%d}.csv"
        return Response(service.sla_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return report
