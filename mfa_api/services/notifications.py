"""The mails the service sends, written once."""

from __future__ import annotations

from html import escape
from typing import Protocol

from ..errors import ServiceUnavailable
from ..mailer import Email, MailDeliveryError


class Mailer(Protocol):
    def send(self, email: Email) -> None: ...


def code_email(to: str, code: str, ttl_seconds: int) -> Email:
    """The message carrying a one-time code and how long it lasts."""
    minutes = max(1, ttl_seconds // 60)
    validity = f"This code is valid for {minutes} minute{'s' if minutes != 1 else ''}."
    return Email(
        to=to,
        subject=f"Your verification code: {code} (valid for {minutes} min)",
        text=(
            f"Your verification code is: {code}\n{validity}\n\n"
            "If you did not ask for it, ignore this message: the code alone signs nobody in."
        ),
        html=(
            f"<h1>Your verification code is: {escape(code)}</h1><p>{escape(validity)}</p>"
            "<p>If you did not ask for it, ignore this message.</p>"
        ),
    )


def send_code(mailer: Mailer, to: str, code: str, ttl_seconds: int) -> None:
    """Email a one-time code; a mail server failure becomes a 503."""
    try:
        mailer.send(code_email(to, code, ttl_seconds))
    except MailDeliveryError as exc:
        raise ServiceUnavailable("Could not send the verification email") from exc
