"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping what it receives.

    with mail_server() as server:            # or the `smtp_server` fixture
        app.config.update(server.config)     # MAIL_SERVER and MAIL_PORT pointing at it
        ...
        server.stop()                        # the server is down: connections are refused
        server.start()                       # up again, on the same port

A recipient in `server.refused` is refused at RCPT (550), as a server refuses an unknown mailbox;
`server.delay` makes it take that many seconds over each message.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session


@dataclass(frozen=True)
class Received:
    mail_from: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class MailServer:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    # Seconds to take over each message, as a busy server does (so concurrent senders overlap).
    delay: float = 0.0
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def config(self) -> dict[str, object]:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port}

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self.running:
            return
        if not self.port:
            self.port = _free_port(self.host)
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [received.message for received in self.received]

    def keep(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session: Session, envelope: Envelope, address: str, rcpt_options):
        if address.lower() in {refused.lower() for refused in self.server.refused}:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session: Session, envelope: Envelope) -> str:
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        # Line ends as a mail client stores them, so a body reads back as it was written.
        raw = (envelope.original_content or envelope.content).replace(b"\r\n", b"\n")
        message = BytesParser(policy=policy.default).parsebytes(raw)
        self.server.keep(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@contextmanager
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server
