"""Why a check failed, in a few words a user understands: the `error` of a `down` result."""

from __future__ import annotations

import errno
import ssl
from typing import TypeVar

import aiohttp
from aiohttp.http_exceptions import BadStatusLine, HttpProcessingError, InvalidHeader, LineTooLong

from uptick_common.netguard import TargetRefused

E = TypeVar("E", bound=BaseException)


class CheckFailed(Exception):
    """A target's misbehaviour the checker finds itself (a redirect loop, a bad URL); str() is the reason."""


class BodyFailed(CheckFailed):
    """The final response's head arrived but its body could not be read (too large, cut short): the check
    is down and still reports the status the target answered with."""

    def __init__(self, reason: str, http_status: int) -> None:
        super().__init__(reason)
        self.http_status = http_status


_ERRNO_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset by peer",
    errno.ECONNABORTED: "connection aborted",
    errno.ETIMEDOUT: "connection timed out",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.EPIPE: "connection closed by peer",
}


def describe(exc: BaseException) -> str:
    """The reason for a check that ended in `exc` (the deadline is told apart by the caller)."""
    refused = _cause(exc, TargetRefused)
    if refused is not None:
        return str(refused)
    match exc:
        case CheckFailed():
            return str(exc)
        case aiohttp.ClientConnectorCertificateError():
            cert_error = exc.certificate_error
            detail = getattr(cert_error, "verify_message", None) or str(cert_error)
            return f"TLS certificate verify failed: {str(detail).rstrip('.')}"
        case aiohttp.ClientConnectorDNSError():
            detail = exc.os_error.strerror or ""
            return f"DNS lookup failed ({detail.lower()})" if detail else "DNS lookup failed"
        case ssl.SSLCertVerificationError():
            return f"TLS certificate verify failed: {str(exc.verify_message).rstrip('.')}"
        case aiohttp.ClientSSLError() | ssl.SSLError():
            error = exc.os_error if isinstance(exc, aiohttp.ClientSSLError) else exc
            reason = getattr(error, "reason", None)  # OpenSSL's WRONG_VERSION_NUMBER → wrong version number
            return f"TLS handshake failed ({reason.lower().replace('_', ' ') if reason else type(error).__name__})"
        case aiohttp.ClientConnectorError():
            return _os_reason(exc.os_error)
        case aiohttp.ServerDisconnectedError():
            return "server closed the connection without a complete response"
        case aiohttp.ClientPayloadError():
            return "response body incomplete or malformed"
        case aiohttp.InvalidURL():
            return "invalid URL"
        case aiohttp.ClientResponseError() | HttpProcessingError():  # the parser's verdict, raw or wrapped
            return f"invalid HTTP response: {_parse_error(exc)}"
        case OSError():
            return _os_reason(exc)
    return f"check failed ({type(exc).__name__})"


# The parser's own words, never the bytes it choked on: a reason stays short and the same from check to check.
_PARSE_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (LineTooLong, "header line too long"),
    (BadStatusLine, "bad status line"),
    (InvalidHeader, "invalid header"),
)


def _parse_error(exc: aiohttp.ClientResponseError | HttpProcessingError) -> str:
    for kind, reason in _PARSE_ERRORS:
        if _cause(exc, kind) is not None:
            return reason
    # llhttp's message is "<what went wrong>:\n\n  <the bytes>\n  ^": keep only what went wrong
    first = str(exc.message).split(":\n", 1)[0].strip().rstrip(".")
    return _short(first[:1].lower() + first[1:], 80) if first else "malformed"


def _os_reason(error: OSError) -> str:
    if error.errno in _ERRNO_REASONS:
        return _ERRNO_REASONS[error.errno]
    if isinstance(error, ConnectionResetError):  # aiohttp's "Cannot write to closing transport": a reset too
        return _ERRNO_REASONS[errno.ECONNRESET]
    return f"connection failed: {_short(error.strerror or str(error) or type(error).__name__)}"


def _cause(exc: BaseException, kind: type[E]) -> E | None:
    seen: BaseException | None = exc
    for _ in range(10):  # a chain, never a cycle, but bounded all the same
        if seen is None:
            return None
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
