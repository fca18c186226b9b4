"""PagerDuty Events API v2 (developer.pagerduty.com/docs/events-api-v2/overview): `trigger` when down,
`resolve` when resolved, both under the incident's `dedup_key`, so PagerDuty keeps one alert per incident
and drops a resend. The routing key is the secret; `events_url` is for PagerDuty's EU service region.

Storms are not grouped here (`GROUPS`): PagerDuty's alert is one incident's lifecycle under its dedup_key,
triggered and resolved one by one (members of a storm resolve at different times), and PagerDuty groups
alerts into one incident itself (its alert grouping); a grouped trigger could never be resolved piecewise."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from uptick_common.channels.base import Answer, ChannelConfig, HttpRequest, HttpUrl, Outbound
from uptick_common.channels.notification import Notification

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
GROUPS = False


class Config(ChannelConfig):
    SECRETS: ClassVar[tuple[str, ...]] = ("routing_key",)

    routing_key: str = Field(min_length=32, max_length=32, pattern=r"^[A-Za-z0-9]+$")
    severity: Literal["critical", "error", "warning", "info"] = "critical"
    events_url: HttpUrl = EVENTS_URL


def dedup_key(note: Notification) -> str:
    return f"uptick-incident-{note.incident_id}" if note.incident_id is not None else note.key


def render(config: Config, note: Notification) -> HttpRequest:
    event: dict[str, Any] = {"routing_key": config.routing_key, "dedup_key": dedup_key(note),
                             "event_action": "resolve" if note.event == "resolved" else "trigger"}
    if note.event != "resolved":
        event["payload"] = {
            "summary": note.title[:1024], "source": note.monitor_url or "uptick", "severity": config.severity,
            "timestamp": (note.started_at or note.occurred_at).isoformat(),
            "custom_details": {"cause": note.cause, "regions": note.regions, "text": note.text},
        }
        if note.incident_url:
            event["links"] = [{"href": note.incident_url, "text": "Uptick incident"}]
    return HttpRequest(config.events_url, json=event)


async def send(config: Config, note: Notification, out: Outbound) -> Answer:
    return await out.post(render(config, note))
