"""A webhook signed the Standard Webhooks way (standardwebhooks.com), so any receiver can verify it with an
existing library and drop a resend: `webhook-id` is the notification's key (the same on a resend after a
crash), `webhook-timestamp` the time of this attempt, `webhook-signature` `v1,<base64 HMAC-SHA256 of
"id.timestamp.body">` under the channel's `whsec_` secret.

Rotating the secret keeps the previous one signing beside the new for a day (a space-separated second
signature), so receivers can switch without losing a message.

The body (application/json), documented in the README:
    {"type": "incident.down", "timestamp": "…", "data": {"event": "down", "monitor": {…}, "incident": {…},
     "count": 1, "group": false, "incidents": [{"monitor": {…}, "incident": {…}}]}}
A storm's grouped notification has `"group": true`, `monitor` and `incident` null, and lists them all.
`body_template` (optional) replaces that body by the channel's own JSON, filled from it (`template`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import Field, JsonValue, field_validator

from uptick_common.channels import template
from uptick_common.channels.base import Answer, ChannelConfig, HttpRequest, HttpUrl, Outbound
from uptick_common.channels.notification import MAINTENANCE_EVENTS, REGION_EVENTS, Notification

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not one


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


class Config(ChannelConfig):
    SECRETS: ClassVar[tuple[str, ...]] = ("previous_secret",)  # the current secret is shown to its owner

    url: HttpUrl
    secret: str = Field(default_factory=new_secret)
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    body_template: JsonValue = None  # None: the default body

    @field_validator("body_template")
    @classmethod
    def _template(cls, value: JsonValue) -> JsonValue:
        if value is not None:
            template.check(value, lambda path: any(template.has(body, path) for body in _samples()))
        return value

    @field_validator("secret", "previous_secret")
    @classmethod
    def _whsec(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                key = base64.b64decode(value.removeprefix(SECRET_PREFIX), validate=True)
            except ValueError:
                key = b""
            if not value.startswith(SECRET_PREFIX) or not 24 <= len(key) <= 64:
                raise ValueError("must be whsec_ and 24 to 64 bytes in base64 (leave it out to have one made)")
        return value

    def signing_secrets(self, now: datetime) -> list[str]:
        keys = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and now < self.previous_secret_expires_at:
            keys.append(self.previous_secret)
        return keys


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _incident(note: Notification) -> dict[str, Any] | None:
    return None if note.incident_id is None else {
        "id": note.incident_id, "url": note.incident_url, "ack_url": note.ack_url,
        "started_at": _iso(note.started_at),
        "resolved_at": _iso(note.resolved_at), "cause": note.cause, "regions": note.regions,
    }


def _monitor(note: Notification) -> dict[str, Any] | None:
    return None if note.monitor_id is None else {"id": note.monitor_id, "name": note.monitor_name,
                                                 "url": note.monitor_url}


def payload(note: Notification) -> dict[str, Any]:
    """`data.incidents` lists every incident told of (`count` of them): one, or a storm's group, whose
    `monitor` and `incident` are null."""
    members = note.members or ([note] if note.incident_id is not None else [])
    return {"type": _type(note),
            "timestamp": note.occurred_at.isoformat(),
            "data": {"event": note.event, "title": note.title, "text": note.text, "monitor": _monitor(note),
                     "incident": _incident(note), "count": len(members), "group": bool(note.members),
                     "incidents": [{"monitor": _monitor(m), "incident": _incident(m)} for m in members],
                     **_region(note), **_maintenance(note)}}


def _type(note: Notification) -> str:
    if note.event == "test":
        return "test"
    if note.event in REGION_EVENTS:
        return "region." + note.event.removeprefix("region_")
    if note.event in MAINTENANCE_EVENTS:
        return "maintenance." + note.event.removeprefix("maintenance_")
    return f"incident.{note.event}"


def _region(note: Notification) -> dict[str, Any]:
    if note.event not in REGION_EVENTS:
        return {}
    return {"region": {"name": note.region, "last_result_at": _iso(note.started_at),
                       "resumed_at": _iso(note.resolved_at)}}


def _maintenance(note: Notification) -> dict[str, Any]:
    if note.event not in MAINTENANCE_EVENTS:
        return {}
    return {"maintenance": {"id": note.window_id, "name": note.window_name, "starts_at": _iso(note.window_starts_at),
                            "ends_at": _iso(note.window_ends_at), "monitors": note.monitor_names,
                            "monitor_count": note.monitor_count}}


def render(config: Config, note: Notification) -> HttpRequest:
    body_value = payload(note)
    if config.body_template is not None:
        body_value = template.fill(config.body_template, body_value)
    body = json.dumps(body_value, separators=(",", ":")).encode()
    timestamp = int(time.time())
    signatures = " ".join(sign(s, note.key, timestamp, body) for s in config.signing_secrets(datetime.now(UTC)))
    return HttpRequest(config.url, body=body, headers={
        "content-type": "application/json", "webhook-id": note.key, "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    })


async def send(config: Config, note: Notification, out: Outbound) -> Answer:
    return await out.post(render(config, note))


@functools.cache
def _samples() -> tuple[dict[str, Any], ...]:
    """Default bodies of every shape (an incident, a storm's group, a region notice): the paths they have
    are the placeholders a template may use."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    one = Notification(event="down", key="k", occurred_at=at, monitor_id=1, monitor_name="m", monitor_url="u",
                       incident_id=1, incident_url="u", ack_url="u", started_at=at, resolved_at=at, cause="c",
                       regions=["r"])
    region = Notification(event="region_silent", key="k", occurred_at=at, region="r", silence_id=1, started_at=at)
    group = Notification(event="down", key="k", occurred_at=at, members=[one])
    return tuple(payload(n) for n in (one, group, region))


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
