"""A real SMTP server on loopback that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import re
import socket
import time
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Keep:
    def __init__(self, inbox: list[Message], sessions: list[int], pipelining: bool):
        self.inbox = inbox
        self.sessions = sessions
        self.pipelining = pipelining
        self.refused: set[str] = set()  # recipients answered 550
        self.closing = 0  # this many next MAIL commands are answered 421 (closing the channel)
        self.stall = 0.0  # seconds to wait before answering MAIL: a server that stopped answering

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.stall:
            await asyncio.sleep(self.stall)
        if self.closing:
            self.closing -= 1
            return "421 4.4.2 Idle too long, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        """Offer PIPELINING as most servers do (aiosmtpd reads pipelined commands in order)."""
        session.host_name = hostname
        offered = ["250-PIPELINING"] if self.pipelining else []
        return responses[:1] + offered + responses[1:]  # the first line names the server

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.inbox.append(email.message_from_bytes(envelope.content))
        self.sessions.append(id(session))
        return "250 OK"


class SmtpSink:
    """Start with start(), read inbox, stop with stop()."""

    def __init__(self, port: int | None = None, pipelining: bool = True):
        self.port = port or free_port()
        self.inbox: list[Message] = []
        self.sessions: list[int] = []  # per message received, the SMTP session (connection) id
        handler = _Keep(self.inbox, self.sessions, pipelining)
        self.refused = handler.refused
        self.handler = handler
        self._controller = Controller(handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        """Listen on the port."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def text_of(self, message: Message) -> str:
        """The plain-text part of a message."""
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode()
        return ""

    def last_code(self, to: str, timeout: float = 5.0) -> str:
        """The 6-digit code in the latest message to `to` (waiting briefly for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mine = [m for m in self.inbox if to in m["To"]]
            if mine:
                return re.search(r"\b(\d{6})\b", self.text_of(mine[-1])).group(1)
            time.sleep(0.05)
        raise AssertionError(f"no mail to {to}")
