"""E-mail over SMTP: the settings and one small sender, shared by auth's invitations and the e-mail channel.

aiosmtplib speaks SMTP on the event loop (STARTTLS, implicit TLS, AUTH), so that sending never blocks it.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Literal

import aiosmtplib
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SmtpSettings(BaseSettings):
    """`UPTICK_SMTP_*`. The defaults reach the mail sink `make run` starts on this machine."""

    model_config = SettingsConfigDict(env_prefix="UPTICK_SMTP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=1025, gt=0, lt=65536)
    username: str | None = None
    password: SecretStr | None = None
    # none: plain SMTP (the local sink); starttls: upgrade on port 587; tls: implicit TLS on port 465.
    security: Literal["none", "starttls", "tls"] = "none"
    sender: str = "Uptick <uptick@localhost>"
    timeout_seconds: float = Field(default=10, gt=0)


class MailNotSent(Exception):
    """The server could not be reached or refused the message; the reason, without credentials."""


async def send(settings: SmtpSettings, *, to: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, to, subject
    message.set_content(text)
    try:
        await aiosmtplib.send(
            message, hostname=settings.host, port=settings.port, username=settings.username,
            password=settings.password.get_secret_value() if settings.password else None,
            use_tls=settings.security == "tls", start_tls=settings.security == "starttls",
            timeout=settings.timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise MailNotSent(f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}") from exc
