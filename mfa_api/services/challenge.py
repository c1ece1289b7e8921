"""The 2FA face's login: the password, then a challenge answered by TOTP, emailed/SMS code or
backup code."""

from __future__ import annotations

from ..config import Settings
from ..errors import InvalidInput, ServiceUnavailable, Unauthorized
from ..sms import SmsDeliveryError, SmsGateway
from ..store import backup_codes, challenges, users
from ..store.users import User
from . import backup, codes, notifications, sessions, totp
from .login import authenticate
from .notifications import Mailer

CHALLENGE_DEAD = "Challenge expired or used; log in again"


def login(email: str, password: str, settings: Settings, now: int) -> dict:
    """Check the password; a challenge token when 2FA is on, else an access token."""
    user = authenticate(email, password, settings)
    if not user.twofa_enabled:
        return {"success": True, "requires2fa": False, **sessions.access_body(user, settings, now)}
    token, claims = sessions.challenge_token(user, settings, now)
    challenges.create(claims["jti"], user.id, claims["exp"])
    return {
        "success": True,
        "requires2fa": True,
        "challengeToken": token,
        "message": "2FA verification required",
    }


def _open_challenge(claims: dict, settings: Settings, now: int) -> None:
    found = challenges.find(claims["jti"])
    if (
        found is None
        or found.used_at is not None
        or found.expires_at < now
        or found.failures >= settings.max_failed_attempts
    ):
        raise Unauthorized(CHALLENGE_DEAD)


def _email_code_ok(user: User, code: str, settings: Settings, now: int) -> bool:
    usable = codes.refusal(settings, user, now) is None
    return usable and codes.email_code_matches(settings, user, code)


def _fail(user: User, claims: dict, message: str) -> Unauthorized:
    challenges.count_failure(claims["jti"])
    if user.otp_hash:
        users.count_failed_attempt(user.id, user.otp_hash)
    return Unauthorized(message)


def _close(claims: dict, settings: Settings, now: int) -> None:
    if not challenges.use(claims["jti"], now=now, max_failures=settings.max_failed_attempts):
        raise Unauthorized(CHALLENGE_DEAD)


def verify(user: User, claims: dict, code: str, settings: Settings, now: int) -> dict:
    """Answer a challenge with the current TOTP or a code sent by resend; an access token."""
    _open_challenge(claims, settings, now)
    ok = totp.use_code(user, code, settings, now) or (
        _email_code_ok(user, code, settings, now)
        and users.use_email_otp(
            user.id,
            user.otp_hash,
            now=now,
            max_attempts=settings.max_failed_attempts,
            totp_step=None,
        )
    )
    if not ok:
        raise _fail(user, claims, "Invalid code")
    _close(claims, settings, now)
    return {
        "success": True,
        "message": "2FA verification successful",
        **sessions.access_body(user, settings, now),
    }


def recover(
    user: User, claims: dict, typed: str, settings: Settings, now: int, mailer: Mailer
) -> dict:
    """Answer a challenge with a backup code, which is used up."""
    _open_challenge(claims, settings, now)
    if not backup.use(user, typed, settings, now):
        raise _fail(user, claims, "Invalid backup code")
    _close(claims, settings, now)
    notifications.send_notice(mailer, user.email, notifications.BACKUP_CODE_USED)
    return {
        "success": True,
        "message": "2FA verification successful",
        **sessions.access_body(user, settings, now),
        "remainingBackupCodes": backup_codes.count_unused(user.id),
    }


def resend(
    user: User,
    claims: dict,
    channel: str,
    settings: Settings,
    now: int,
    mailer: Mailer,
    sms: SmsGateway | None,
) -> dict:
    """Send a new code for verify by email or SMS; it replaces any earlier one."""
    _open_challenge(claims, settings, now)
    code = codes.issue_code(settings, now)
    if channel == "sms":
        if sms is None:
            raise InvalidInput("SMS is not configured on this server")
        if not user.phone:
            raise InvalidInput("No phone number on this account")
        minutes = settings.otp_ttl_seconds // 60
        text = f"Your verification code is {code.code}. It is valid for {minutes} minutes."
        try:
            sms.send("+" + user.phone, text)
        except SmsDeliveryError as exc:
            raise ServiceUnavailable("Could not send the SMS") from exc
    else:
        notifications.send_code(mailer, user.email, code.code, settings.otp_ttl_seconds)
    users.issue_email_otp(user.id, code.code_hash, code.expires_at)
    return {"success": True, "message": f"OTP sent via {channel}"}
