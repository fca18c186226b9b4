"""The one interface every channel module follows, and what they share.

A channel module has
- `Config`: a pydantic model of its settings, validated when the channel is saved (a bad one is a 422,
  never a failed delivery); `SECRETS` names the fields the API never shows back;
- `render(config, notification)`: what will be sent (an `HttpRequest`, or an e-mail), pure;
- `send(config, notification, out)`: sends it through `out` (the notifier's guarded client) and returns
  the receiver's `Answer`;
- optionally `GROUPS = False`: a storm is never grouped for it (each notification goes on its own);
  otherwise `render` takes a grouped notification too (`Notification.members`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Annotated, Any, ClassVar, Literal, Protocol
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    if len(value) > 2000:
        raise ValueError("must be at most 2000 characters")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]


class ChannelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    SECRETS: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class HttpRequest:
    url: str
    json: Any = None
    body: bytes | None = None  # instead of json, when the bytes are signed
    headers: dict[str, str] = field(default_factory=dict)
    method: Literal["POST"] = "POST"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Literal["starttls", "tls", "none"]
    username: str | None
    password: str | None


@dataclass(frozen=True)
class Answer:
    """What the receiver said: delivered or not, its status code and (the start of) its answer or the error.
    `retryable`: a later attempt may succeed (a timeout, a 5xx, a 429), unlike a 400 or a refused target."""

    delivered: bool
    status_code: int | None = None
    detail: str = ""
    retryable: bool = False


class Outbound(Protocol):
    async def post(self, request: HttpRequest) -> Answer: ...
    async def mail(self, server: SmtpServer, message: EmailMessage) -> Answer: ...


def http_answer(status_code: int, body: str) -> Answer:
    """2xx is delivered; 408, 425, 429 and 5xx may pass later; any other answer will not."""
    delivered = 200 <= status_code < 300
    retryable = not delivered and (status_code in (408, 425, 429) or status_code >= 500)
    return Answer(delivered, status_code, body, retryable)
