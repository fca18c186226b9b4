"""Microsoft Teams: a Workflows (or legacy incoming) webhook taking an Adaptive Card
(learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors). The webhook URL is the secret.
Default card: the title, the facts one per block, and a button to the incident."""

from __future__ import annotations

from typing import Any, ClassVar

from uptick_common.channels.base import Answer, ChannelConfig, HttpRequest, HttpUrl, Outbound
from uptick_common.channels.notification import Notification


class Config(ChannelConfig):
    SECRETS: ClassVar[tuple[str, ...]] = ("webhook_url",)

    webhook_url: HttpUrl


def render(config: Config, note: Notification) -> HttpRequest:
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": note.title, "weight": "Bolder", "size": "Medium",
                                   "wrap": True}]
    body += [{"type": "TextBlock", "text": line, "wrap": True} for line in note.lines()]
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                            "version": "1.4", "body": body}
    if note.incident_url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the incident", "url": note.incident_url}]
    message = {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}
    return HttpRequest(config.webhook_url, json=message)


async def send(config: Config, note: Notification, out: Outbound) -> Answer:
    return await out.post(render(config, note))
