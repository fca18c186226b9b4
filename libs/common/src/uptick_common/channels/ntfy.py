"""ntfy (docs.ntfy.sh/publish): a JSON message to a topic on ntfy.sh or a self-hosted server, with the
incident as its click action. An access token, if the topic needs one, is the secret."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from uptick_common.channels.base import Answer, ChannelConfig, HttpRequest, HttpUrl, Outbound
from uptick_common.channels.notification import Notification

PRIORITIES = {"down": 5, "reminder": 5, "escalation": 5, "flapping": 4, "resolved": 3, "test": 3, "region_silent": 4,
              "region_resumed": 3, "maintenance_started": 2, "maintenance_ended": 2}
TAGS = {"down": "rotating_light", "reminder": "rotating_light", "escalation": "rotating_light", "flapping": "warning",
        "resolved": "white_check_mark", "test": "wave", "region_silent": "warning",
        "region_resumed": "white_check_mark", "maintenance_started": "construction",
        "maintenance_ended": "construction"}


class Config(ChannelConfig):
    SECRETS: ClassVar[tuple[str, ...]] = ("token",)

    server_url: HttpUrl = "https://ntfy.sh"
    topic: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    token: str | None = Field(default=None, max_length=200)


def render(config: Config, note: Notification) -> HttpRequest:
    message: dict[str, Any] = {"topic": config.topic, "title": note.title, "message": "\n".join(note.lines()),
                               "priority": PRIORITIES[note.event], "tags": [TAGS[note.event]]}
    if note.incident_url:
        message["click"] = note.incident_url
    headers = {"authorization": f"Bearer {config.token}"} if config.token else {}
    return HttpRequest(config.server_url.rstrip("/") + "/", json=message, headers=headers)


async def send(config: Config, note: Notification, out: Outbound) -> Answer:
    return await out.post(render(config, note))
