"""Discord: a channel webhook (discord.com/developers/docs/resources/webhook), asked to wait so that its
answer says whether the message was posted. Default message: an embed, red when down, green when resolved."""

from __future__ import annotations

from typing import ClassVar

from uptick_common.channels.base import Answer, ChannelConfig, HttpRequest, HttpUrl, Outbound
from uptick_common.channels.notification import Notification

COLOURS = {"down": 0xD93F0B, "resolved": 0x2DA44E, "flapping": 0xE3B341, "reminder": 0xD93F0B, "escalation": 0xB60205,
           "test": 0x5865F2, "region_silent": 0xE3B341, "region_resumed": 0x2DA44E,
           "maintenance_started": 0x8250DF, "maintenance_ended": 0x8250DF}


class Config(ChannelConfig):
    SECRETS: ClassVar[tuple[str, ...]] = ("webhook_url",)

    webhook_url: HttpUrl


def render(config: Config, note: Notification) -> HttpRequest:
    embed = {"title": note.title, "description": "\n".join(note.lines())[:4000], "color": COLOURS[note.event],
             "timestamp": note.occurred_at.isoformat()}
    if note.incident_url:
        embed["url"] = note.incident_url
    joiner = "&" if "?" in config.webhook_url else "?"
    return HttpRequest(f"{config.webhook_url}{joiner}wait=true", json={"content": note.title, "embeds": [embed]})


async def send(config: Config, note: Notification, out: Outbound) -> Answer:
    return await out.post(render(config, note))
