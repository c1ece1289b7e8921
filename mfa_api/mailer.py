"""Sending mail: over SMTP when MAIL_SERVER is set, else into the log (development).

Sent with smtplib rather than flask-mail, which opens its SMTP connection with no timeout: here
the connection and every command have MAIL_TIMEOUT_SECONDS, and a server that fails opens the
mail breaker, so that for a while requests needing mail get their 503 at once.

Each thread keeps its SMTP connection for its next message (a new connection, with TLS and a
login, costs several milliseconds of CPU and round trips); one idle for more than
IDLE_SECONDS is closed instead, and a kept one the server has dropped meanwhile is replaced
once, transparently, within what is left of the same deadline (a kept one that timed out is
not replaced: a message waits for one deadline at most, not two). Sending stays synchronous,
so a request still learns that its mail could not be sent before it writes anything.
"""

from __future__ import annotations

import functools
import logging
import re
import smtplib
import threading
import time
import unicodedata
from dataclasses import dataclass
from email import policy
from email.errors import MessageError
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate, make_msgid, parseaddr
from typing import TYPE_CHECKING, Protocol

import idna

from .breaker import Breaker

if TYPE_CHECKING:
    from .config import Values

log = logging.getLogger(__name__)


class MailDeliveryError(Exception):
    """The mail server could not be reached or refused the message."""


@dataclass(frozen=True)
class Email:
    """A message to one recipient, in plain text and HTML (and the one-time code it carries,
    for the development outbox)."""

    to: str
    subject: str
    text: str
    html: str
    code: str | None = None


class Mailer(Protocol):
    """Anything that sends an Email (raising MailDeliveryError when it cannot)."""

    def send(self, email: Email) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: flask-mail's MAIL_* settings, and a deadline."""

    server: str
    port: int
    use_ssl: bool
    use_tls: bool
    username: str | None
    password: str | None
    sender: str
    timeout: float

    @property
    def sender_domain(self) -> str:
        """The sender address's domain, for Message-IDs (make_msgid would otherwise look up
        this host's name in the DNS for every message)."""
        return self.sender_address.rpartition("@")[2] or "localhost"

    @functools.cached_property
    def sender_address(self) -> str:
        """The sender's bare address, for the envelope (MAIL FROM)."""
        return parseaddr(self.sender)[1]

    @classmethod
    def from_values(cls, values: Values) -> SmtpSettings:
        """Read the MAIL_* settings."""
        use_ssl = bool(values.mail_use_ssl)
        return cls(
            server=values.mail_server,
            port=int(values.mail_port or (465 if use_ssl else 25)),
            use_ssl=use_ssl,
            use_tls=bool(values.mail_use_tls),
            username=values.mail_username,
            password=values.mail_password,
            sender=values.mail_default_sender,
            timeout=values.mail_timeout_seconds,
        )


_DOT_AT_LINE_START = re.compile(rb"^\.", re.MULTILINE)  # doubled in DATA (RFC 5321, 4.5.2)


def _closing(exc: BaseException) -> bool:
    """A 421: the server is closing the connection (idle too long, shutting down)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code == 421 for code, _ in exc.recipients.values())
    return getattr(exc, "smtp_code", None) == 421


def _dropped(exc: BaseException) -> bool:
    """Whether the connection is gone (a kept one is then tried once more, on a new one)."""
    if isinstance(exc, smtplib.SMTPServerDisconnected) or _closing(exc):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _timed_out(exc: BaseException | None) -> bool:
    """Whether a deadline passed: smtplib reports a read that timed out as
    SMTPServerDisconnected, with the TimeoutError as its context."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, TimeoutError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _server_fault(exc: BaseException) -> bool:
    """Whether every message would fail now, so the breaker opens: anything but this message's
    own refusal, its recipient or its data (smtplib's errors are all OSErrors: unreachable,
    dropped, timed out, a refused login, TLS or sender are the server's or its settings')."""
    if _closing(exc):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
        return False
    return isinstance(exc, OSError)


def _envelope_address(address: str, role: str) -> str:
    """address as it goes in a header and between < and > in MAIL FROM or RCPT TO: control or
    separator characters (a space, a line break) or an angle bracket, which could end it there
    or add a parameter, are refused (an address stored before addresses were checked)."""
    if any(unicodedata.category(c)[0] in "CZ" or c in "<>" for c in address):
        raise ValueError(f"the {role}'s address has control or separator characters or <>")
    return address


class SmtpMailer:
    """Sends through an SMTP server, each step within the deadline, on a connection each thread
    keeps between messages."""

    IDLE_SECONDS = 30.0  # below common servers' idle limits (Postfix: 300 s, Exim: 5 min)

    def __init__(self, settings: SmtpSettings, breaker: Breaker, clock=time.monotonic):
        self.settings = settings
        self.breaker = breaker
        self._clock = clock
        self._kept = threading.local()  # .smtp and .used_at: this thread's idle connection

    def send(self, email: Email) -> None:
        """Send one message; raise MailDeliveryError when the server fails (or is known down)."""
        if self.breaker.is_open():
            raise MailDeliveryError("the mail server failed moments ago")
        try:
            to = ascii_address(email.to)
            sender = _envelope_address(self.settings.sender_address, "sender")
            message = self._message(email, to)
            started = self._clock()
            smtp = self._take_kept()
            if smtp is not None:
                try:
                    self._send(smtp, sender, to, message)
                    self._keep(smtp)
                    return
                except BaseException as exc:
                    _quietly_close(smtp)
                    # dropped while idle: once more, on a new one (but never a second deadline)
                    if not _dropped(exc) or _timed_out(exc):
                        raise
            smtp = self._connect(self.settings.timeout - (self._clock() - started))
            try:
                self._send(smtp, sender, to, message)
            except BaseException:
                _quietly_close(smtp)
                raise
            self._keep(smtp)
        # ValueError: a header with a line break; UnicodeError: an address SMTP cannot carry
        except (
            smtplib.SMTPException,
            OSError,
            UnicodeError,
            ValueError,
            MessageError,  # a header the email package cannot write
        ) as exc:
            if _server_fault(exc):
                self.breaker.failed()
            log.error("Mail to the SMTP server failed: %s", exc)
            raise MailDeliveryError(str(exc)) from exc

    def _take_kept(self) -> smtplib.SMTP | None:
        """This thread's kept connection, unless it has been idle too long (then closed)."""
        smtp, self._kept.smtp = getattr(self._kept, "smtp", None), None
        if smtp is not None and self._clock() - self._kept.used_at > self.IDLE_SECONDS:
            _quietly_close(smtp)
            return None
        return smtp

    def _keep(self, smtp: smtplib.SMTP) -> None:
        self._kept.smtp, self._kept.used_at = smtp, self._clock()

    def _send(self, smtp: smtplib.SMTP, sender: str, to: str, message: bytes) -> None:
        """One message. Where the server offers PIPELINING (RFC 2920; Postfix, Exim and the
        large relays do), MAIL, RCPT and DATA go out in one write and their answers are read
        together: one round trip to the server before the message instead of three, which a
        login waits for (smtplib's sendmail cannot pipeline). Measured with the SMTP server
        10 ms away, a login's time less its hash: 46.8 ms without, 26.4 ms with
        (docs/performance.md, `bench.login_overhead --smtp-rtt-ms 10`). Any refusal raises;
        the caller then closes the connection."""
        smtp.ehlo_or_helo_if_needed()
        if not smtp.has_extn("pipelining"):
            smtp.sendmail(sender, [to], message)
            return
        smtp.send(f"MAIL FROM:<{sender}>\r\nRCPT TO:<{to}>\r\nDATA\r\n".encode("ascii"))
        (mail, mail_text), (rcpt, rcpt_text), (data, data_text) = [
            smtp.getreply() for _ in range(3)
        ]
        if data == 354 and (mail != 250 or rcpt not in (250, 251)):
            smtp.send(b".\r\n")  # RFC 2920, 3.1: DATA taken after a refusal gets no message
            smtp.getreply()
        if mail != 250:
            raise smtplib.SMTPSenderRefused(mail, mail_text, sender)
        if rcpt not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({to: (rcpt, rcpt_text)})
        if data != 354:
            raise smtplib.SMTPDataError(data, data_text)
        smtp.send(_DOT_AT_LINE_START.sub(b"..", message) + b".\r\n")  # message ends in CRLF
        code, text = smtp.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, text)

    def _message(self, email: Email, to: str) -> bytes:
        """The message as sent, built by the email package: headers, then the text and the HTML
        as multipart/alternative, each in base64 (UTF-8).

        Its header objects refuse a value with a line break of any kind, fold long ones and
        encode what is beyond ASCII (RFC 2047), so a header cannot be injected. The bodies go in
        as bytes, so that they arrive exactly as written (as text, the package would turn each
        line break into CRLF and add one at the end).
        """
        message = EmailMessage(policy=policy.SMTP)
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.settings.sender_domain)
        message["MIME-Version"] = "1.0"
        message.make_alternative()
        for kind, body in (("plain", email.text), ("html", email.html)):
            part = MIMEPart(policy=policy.SMTP)
            part.set_content(body.encode(), "text", kind, cte="base64", params={"charset": "utf-8"})
            message.attach(part)
        return message.as_bytes()

    def _connect(self, timeout: float) -> smtplib.SMTP:
        """A new connection, each of its steps within timeout (what is left of the deadline,
        which a kept connection's failure may have used up: then a TimeoutError at once)."""
        if timeout <= 0:
            raise TimeoutError("the mail deadline passed on the kept connection")
        s = self.settings
        kind = smtplib.SMTP_SSL if s.use_ssl else smtplib.SMTP
        smtp = kind(s.server, s.port, timeout=timeout)
        try:
            if s.use_tls:
                smtp.starttls()
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def ascii_address(address: str) -> str:
    """The address as SMTP without SMTPUTF8 carries it: an internationalised domain in its
    ASCII (punycode) form, as a new address is stored in Unicode; a local part
    beyond ASCII cannot be carried (UnicodeError), nor can what _envelope_address refuses
    (ValueError)."""
    _envelope_address(address, "recipient")
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        raise UnicodeError("the recipient's local part is not ASCII (no SMTPUTF8 here)")
    if domain.isascii():
        return address
    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError as exc:
        raise UnicodeError(f"the recipient's domain has no ASCII form: {exc}") from exc


def _quietly_close(smtp: smtplib.SMTP) -> None:
    """Say QUIT if the server still listens, and close the socket either way."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


class LogMailer:
    """Writes messages to the log, so a newcomer can finish the flow from a terminal."""

    def send(self, email: Email) -> None:
        """Log the message (development only: it holds the code)."""
        log.warning(
            "MAIL_SERVER is not set; this mail is written here instead of sent.\n"
            "To: %s\nSubject: %s\n\n%s",
            email.to,
            email.subject,
            email.text,
        )


def make_mailer(values: Values, breaker: Breaker) -> Mailer:
    """How this app sends mail: over SMTP when MAIL_SERVER is set, else into the log."""
    if not values.mail_server:
        return LogMailer()
    return SmtpMailer(SmtpSettings.from_values(values), breaker)
