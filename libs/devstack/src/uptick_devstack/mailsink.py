"""The developers' mail sink: an SMTP server on 127.0.0.1 that keeps every message it receives.

`make run` starts it and points UPTICK_SMTP_* at it: each message is written to .run/mail/ as an .eml file
and announced on the console (to, subject, the file), so that an invitation's link can be read there.
Tests use `MailSink` in-process (uptick_devstack.testing's `mail_sink` fixture) to read what was sent.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import signal
import ssl
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from uptick_devstack.infra import free_port


class MailSink:
    """With a TLS context it offers STARTTLS and requires it; with `login` (user, password) it requires that."""

    def __init__(self, folder: Path | None = None, port: int = 0, *, tls: ssl.SSLContext | None = None,
                 login: tuple[str, str] | None = None) -> None:
        self.folder, self.port = folder, port
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []  # (MAIL FROM, RCPT TO) of each message
        self._tls, self._login = tls, login
        self._numbers = itertools.count(1)
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: ANN401, N802 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        where = ""
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self._numbers)}.eml"
            path.write_bytes(envelope.content)
            where = f" → {path}"
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {message['subject']}{where}", flush=True)
        return "250 OK"

    def _authenticate(self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self._login == (data.login.decode(), data.password.decode())
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself

    def start(self) -> None:
        self.port = self.port or free_port()
        secure: dict[str, Any] = {}
        if self._tls is not None:
            secure.update(tls_context=self._tls, require_starttls=True)
        if self._login is not None:
            secure.update(auth_required=True, auth_require_tls=self._tls is not None, authenticator=self._authenticate)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, server_hostname="localhost",
                                      **secure)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path(".run/mail"))
    args = parser.parse_args()
    sink = MailSink(args.dir, args.port)
    sink.start()
    print(f"mail sink on 127.0.0.1:{sink.port}, messages in {args.dir}/", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    sink.stop()


if __name__ == "__main__":
    main()
