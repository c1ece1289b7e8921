"""The mails the service sends, written once."""

from __future__ import annotations

import logging
from html import escape

from ..errors import InvalidInput, ServiceUnavailable
from ..mailer import Email, MailDeliveryError, Mailer
from ..sms import Sms, SmsDeliveryError, TextMessage

log = logging.getLogger(__name__)


def code_email(to: str, code: str, ttl_seconds: int) -> Email:
    """The message carrying a one-time code and how long it lasts."""
    minutes = max(1, ttl_seconds // 60)
    validity = f"This code is valid for {_minutes(ttl_seconds)}."
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
        code=code,
    )


def text_code(sms: Sms | None, phone: str, what: str, code: str, ttl_seconds: int) -> None:
    """Text a one-time code to a phone (its digits; + is added); 400 without a gateway, 503 when
    the gateway fails."""
    if sms is None:
        raise InvalidInput("SMS is not configured on this server")
    text = f"Your {what} is {code}. It is valid for {_minutes(ttl_seconds)}."
    try:
        sms.send(TextMessage("+" + phone, text, code))
    except SmsDeliveryError as exc:
        raise ServiceUnavailable("Could not send the SMS") from exc


def _minutes(ttl_seconds: int) -> str:
    minutes = max(1, ttl_seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def send_code(mailer: Mailer, to: str, code: str, ttl_seconds: int) -> None:
    """Email a one-time code; a mail server failure becomes a 503."""
    try:
        mailer.send(code_email(to, code, ttl_seconds))
    except MailDeliveryError as exc:
        raise ServiceUnavailable("Could not send the verification email") from exc


TWOFA_ENABLED = "Two-factor authentication was turned on for your account."
TWOFA_DISABLED = "Two-factor authentication was turned off for your account."
BACKUP_CODES_CREATED = "New backup codes were made for your account; earlier ones stopped working."
BACKUP_CODE_USED = "A backup code was used on your account."
PASSWORD_CHANGED = "The password of your account was changed."  # noqa: S105 - a sentence
PHONE_VERIFIED = "A phone number was verified for your account; codes may now be texted to it."
UNLOCKED = "Two-step sign-in was unlocked for your account."
PASSKEY_ADDED = "A passkey was added to your account; it may now answer the second step."
PASSKEY_REMOVED = "A passkey was removed from your account."
PASSKEY_CLONED = (
    "One of your passkeys answered with a signature counter that did not move forward, which "
    "happens when a copy of it is used elsewhere. It is suspended, every copy of it: sign in with "
    "another second factor, remove it and add a new one."
)
PASSWORDS_GUESSED = (  # noqa: S105 - a sentence
    "Many wrong passwords were tried for your account from devices that have not signed in to "
    "it. Nobody has to wait because of them, and your second step still protects you; if your "
    "password is weak or used elsewhere too, change it."
)
CODES_GUESSED = (
    "Several wrong codes were entered in a row for your account, so further tries are being "
    "slowed down. If they were not yours, someone may know your password: change it."
)


def notice_email(to: str, event: str) -> Email:
    """A security notice: what happened, and what to do if it was not the user."""
    advice = "If this was not you, change your password and contact support."
    return Email(
        to=to,
        subject="Security notice for your account",
        text=f"{event}\n\n{advice}",
        html=f"<p>{escape(event)}</p><p>{escape(advice)}</p>",
    )


def send_notice(mailer: Mailer, to: str, event: str) -> None:
    """Email a security notice; the action is already done, so a failure is logged, not raised."""
    failure = "A security notice could not be mailed (the action itself succeeded)"
    _send_after_the_fact(mailer, notice_email(to, event), failure)


def _send_after_the_fact(mailer: Mailer, email: Email, failure: str) -> None:
    """Send a message about something already done: a failure is logged, never raised."""
    try:
        mailer.send(email)
    except MailDeliveryError:
        log.warning(failure)


def _with_the_token(action: str, token: str, unlock_url: str | None, unlock_call: str) -> str:
    """How to use a mailed unlock token: UNLOCK_URL's link, else the face's API call."""
    if unlock_url:
        return f"{action}, open {unlock_url.replace('{token}', token)}"
    if not unlock_call:
        return f'{action}, use the token "{token}"'
    return f'{action}, send {{"token": "{token}"}} to {unlock_call}'


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in text.split("\n\n"))


def lock_email(to: str, token: str, unlock_url: str | None, unlock_call: str) -> Email:
    """The one notice of a lock, carrying the token that lifts it."""
    how = _with_the_token("To unlock it", token, unlock_url, unlock_call)
    text = (
        "Too many wrong codes were entered for your account, so two-step sign-in is locked.\n"
        f"{how}\n(or ask an administrator). The token works once.\n\n"
        "If those codes were not yours, someone may know your password: change it as soon "
        "as you are signed in again."
    )
    subject = "Your account's two-step sign-in is locked"
    return Email(to=to, subject=subject, text=text, html=_paragraphs(text))


def signup_stop_email(to: str, token: str, unlock_url: str | None, unlock_call: str) -> Email:
    """The one notice that an email's sign-up codes stopped being tried, with the token that
    lets them be tried again."""
    how = _with_the_token("To let its code be tried again", token, unlock_url, unlock_call)
    text = (
        "Someone is signing up with this email address and too many wrong codes were entered, "
        "so no more codes are checked for it.\n"
        f"If you are the one signing up: {how}. The token works once.\n\n"
        "If it was not you, ignore this message: nobody can finish the sign-up without you."
    )
    subject = "Sign-up codes for your address were stopped"
    return Email(to=to, subject=subject, text=text, html=_paragraphs(text))


def send_signup_stop_notice(
    mailer: Mailer, to: str, token: str, unlock_url: str | None, unlock_call: str
) -> None:
    """Email the sign-up stop notice; the stop stands either way, so a failure is logged."""
    email = signup_stop_email(to, token, unlock_url, unlock_call)
    failure = "A sign-up stop notice could not be mailed (an administrator can unlock)"
    _send_after_the_fact(mailer, email, failure)


def send_lock_notice(
    mailer: Mailer, to: str, token: str, unlock_url: str | None, unlock_call: str
) -> None:
    """Email the lock notice; the lock stands either way, so a failure is logged, not raised."""
    failure = "A lock notice could not be mailed (an administrator can unlock)"
    _send_after_the_fact(mailer, lock_email(to, token, unlock_url, unlock_call), failure)
