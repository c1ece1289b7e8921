"""Sending mail: through flask-mail when MAIL_SERVER is set, else into the log (development)."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from typing import Protocol

from flask import Flask
from flask_mail import Message

from .extensions import mail

log = logging.getLogger(__name__)


class MailDeliveryError(Exception):
    """The mail server could not be reached or refused the message."""


@dataclass(frozen=True)
class Email:
    """A message to one recipient, in plain text and HTML."""

    to: str
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    """Anything that sends an Email (raising MailDeliveryError when it cannot)."""

    def send(self, email: Email) -> None: ...


class SmtpMailer:
    """Sends through the SMTP server flask-mail is configured for."""

    def send(self, email: Email) -> None:
        """Send one message; raise MailDeliveryError when the server fails."""
        message = Message(email.subject, recipients=[email.to], body=email.text, html=email.html)
        try:
            mail.send(message)
        # UnicodeError: an address stored before addresses were checked, that SMTP cannot carry
        except (smtplib.SMTPException, OSError, UnicodeError) as exc:
            log.error("Mail to the SMTP server failed: %s", exc)
            raise MailDeliveryError(str(exc)) from exc


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


def make_mailer(app: Flask) -> Mailer:
    """Bind flask-mail and choose how this app sends mail."""
    mail.init_app(app)
    return SmtpMailer() if app.config.get("MAIL_SERVER") else LogMailer()
