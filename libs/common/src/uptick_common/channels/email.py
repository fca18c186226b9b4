"""E-mail over SMTP (STARTTLS by default, implicit TLS or none where the server needs it; optional login).
`Message-ID` is made from the notification's key, so a resend after a crash is the same message to a mail
client that deduplicates. Default message: the title as subject, the facts one per line as the body."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import format_datetime
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from uptick_common.channels.base import Answer, ChannelConfig, Outbound, SmtpServer
from uptick_common.channels.notification import Notification

_ADDRESS = r"^[^@\s<>,;]{1,64}@[A-Za-z0-9.-]{1,253}$"


class Config(ChannelConfig):
    SECRETS: ClassVar[tuple[str, ...]] = ("password",)

    host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:\[\]-]+$")
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = Field(default=None, max_length=320)
    password: str | None = Field(default=None, max_length=1000)
    from_address: str = Field(pattern=_ADDRESS)
    to: list[str] = Field(min_length=1, max_length=50)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if not re.match(_ADDRESS, address):
                raise ValueError("each recipient must be one e-mail address")
        return value


def message_id(note: Notification) -> str:
    return f"<{note.key}@uptick>"


def render(config: Config, note: Notification) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.from_address
    message["To"] = ", ".join(config.to)
    message["Subject"] = note.title
    message["Message-ID"] = message_id(note)
    message["Date"] = format_datetime(note.occurred_at)
    message.set_content("\n".join(note.lines()) + "\n")
    return message


async def send(config: Config, note: Notification, out: Outbound) -> Answer:
    server = SmtpServer(config.host, config.port, config.security, config.username, config.password)
    return await out.mail(server, render(config, note))
