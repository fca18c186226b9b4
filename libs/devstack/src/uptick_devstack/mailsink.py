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
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from uptick_devstack.infra import free_port


class MailSink:
    def __init__(self, folder: Path | None = None, port: int = 0) -> None:
        self.folder, self.port = folder, port
        self.messages: list[EmailMessage] = []
        self._numbers = itertools.count(1)
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: ANN401, N802 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        where = ""
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self._numbers)}.eml"
            path.write_bytes(envelope.content)
            where = f" → {path}"
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {message['subject']}{where}", flush=True)
        return "250 OK"

    def start(self) -> None:
        self.port = self.port or free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
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
