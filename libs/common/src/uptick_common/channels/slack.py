"""Slack: an incoming webhook (api.slack.com/messaging/webhooks); the webhook URL is the secret.
Default message: the title in bold, then one line per fact (`Notification.lines`), as mrkdwn."""

from __future__ import annotations

from typing import ClassVar

from uptick_common.channels.base import Answer, ChannelConfig, HttpRequest, HttpUrl, Outbound
from uptick_common.channels.notification import Notification


class Config(ChannelConfig):
    SECRETS: ClassVar[tuple[str, ...]] = ("webhook_url",)

    webhook_url: HttpUrl


def render(config: Config, note: Notification) -> HttpRequest:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": f"*{note.title}*\n" + "\n".join(note.lines())}}
    return HttpRequest(config.webhook_url, json={"text": note.text, "blocks": [section]})


async def send(config: Config, note: Notification, out: Outbound) -> Answer:
    return await out.post(render(config, note))
