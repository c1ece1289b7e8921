"""The development outbox: with FLASK_DEBUG=1 (and only then) every mail and text message is
also kept for an hour, shared by every worker, so a script or a Postman run can read the code a
message carries from GET /dev/outbox instead of a mailbox.

Kept in the short-lived store (Redis when REDIS_URL is set, else the `ephemeral` table), so all
workers of one install see the same outbox.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass

from .errors import ServiceUnavailable
from .mailer import Email, Mailer
from .sms import TextMessage
from .store.ephemeral import ephemeral

log = logging.getLogger(__name__)

KEEP_SECONDS = 3600
KEEP_PER_RECIPIENT = 20
_PREFIX = "outbox:"


@dataclass(frozen=True)
class KeptMessage:
    """One message as the outbox shows it; subject is None for a text message."""

    to: str
    subject: str | None
    text: str
    code: str | None
    sent_at: float


def recipient_key(to: str) -> str:
    """How a recipient is filed: an email lower-cased; a phone as + and its digits (a `+` in
    a query string arrives as a space, so ' 2507…' is read as '+2507…')."""
    to = to.strip()
    digits = to.lstrip("+").replace(" ", "")
    if "@" not in to and digits.isdigit():
        return "+" + digits
    return to.lower()


class Outbox:
    """Keeps and lists recent messages per recipient."""

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock

    def keep(self, message: KeptMessage) -> None:
        """File message under its recipient, dropping the oldest beyond the per-recipient cap;
        a store failure is logged, never passed on (the message itself went out)."""
        try:
            store, now = ephemeral(), int(self.clock())
            prefix = _PREFIX + recipient_key(message.to) + ":"
            key = f"{prefix}{message.sent_at:020.6f}:{secrets.token_hex(4)}"
            store.put(key, json.dumps(asdict(message)), now + KEEP_SECONDS, now)
            older = sorted(k for k, _ in store.items(prefix, now))[:-KEEP_PER_RECIPIENT]
            for stale in older:
                store.delete(stale)
        except ServiceUnavailable as exc:
            log.warning("The development outbox could not keep a message: %s", exc)

    def read(self, to: str) -> list[KeptMessage]:
        """The messages kept for to, newest first."""
        now = int(self.clock())
        found = ephemeral().items(_PREFIX + recipient_key(to) + ":", now)
        newest_first = sorted(found, reverse=True)
        return [KeptMessage(**json.loads(value)) for _, value in newest_first]


class KeepingMailer:
    """Sends through another mailer, then keeps the message in the outbox."""

    def __init__(self, mailer: Mailer, outbox: Outbox):
        self.mailer = mailer
        self.outbox = outbox

    def send(self, email: Email) -> None:
        """Send, then keep a copy (nothing is kept when sending fails)."""
        self.mailer.send(email)
        kept = KeptMessage(email.to, email.subject, email.text, email.code, self.outbox.clock())
        self.outbox.keep(kept)


class LogSms:
    """Development without an SMS gateway: text messages are written to the log."""

    def send(self, message: TextMessage) -> None:
        """Log the message (development only: it holds the code)."""
        log.warning(
            "SMS_GATEWAY_URL is not set; this text message is written here instead of sent.\n"
            "To: %s\n\n%s",
            message.to,
            message.text,
        )


class KeepingSms:
    """Sends through another SMS sender, then keeps the message in the outbox."""

    def __init__(self, sms, outbox: Outbox):
        self.sms = sms
        self.outbox = outbox

    def send(self, message: TextMessage) -> None:
        """Send, then keep a copy (nothing is kept when sending fails)."""
        self.sms.send(message)
        kept = KeptMessage(message.to, None, message.text, message.code, self.outbox.clock())
        self.outbox.keep(kept)
