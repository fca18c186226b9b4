"""Telegram: a bot's `sendMessage` (core.telegram.org/bots/api#sendmessage) to a chat. The bot token is the
secret; `api_url` is for a self-hosted Bot API server. Default message: the title and the facts, plain text."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from uptick_common.channels.base import Answer, ChannelConfig, HttpRequest, HttpUrl, Outbound
from uptick_common.channels.notification import Notification


class Config(ChannelConfig):
    SECRETS: ClassVar[tuple[str, ...]] = ("bot_token",)

    bot_token: str = Field(pattern=r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$")
    chat_id: str = Field(pattern=r"^(-?[0-9]{1,20}|@[A-Za-z0-9_]{4,64})$")
    api_url: HttpUrl = "https://api.telegram.org"


def render(config: Config, note: Notification) -> HttpRequest:
    return HttpRequest(f"{config.api_url.rstrip('/')}/bot{config.bot_token}/sendMessage",
                       json={"chat_id": config.chat_id, "text": note.text[:4096], "disable_web_page_preview": True})


async def send(config: Config, note: Notification, out: Outbound) -> Answer:
    return await out.post(render(config, note))
