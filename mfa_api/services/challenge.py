"""The 2FA face's login: the password, then a challenge answered by TOTP, emailed/SMS code or
backup code."""

from __future__ import annotations

from ..errors import InvalidInput, ServiceUnavailable, Unauthorized
from ..sms import SmsDeliveryError
from ..store import backup_codes, challenges, users
from ..store.users import User
from . import backup, codes, notifications, sessions, totp
from .context import Context
from .login import authenticate

CHALLENGE_DEAD = "Challenge expired or used; log in again"


def login(email: str, password: str, ctx: Context) -> dict:
    """Check the password; a challenge token when 2FA is on, else an access token."""
    user = authenticate(email, password, ctx)
    if not user.twofa_enabled:
        return {"success": True, "requires2fa": False, **sessions.access_body(user, ctx)}
    token, claims = sessions.challenge_token(user, ctx)
    challenges.create(claims["jti"], user.id, claims["exp"])
    return {
        "success": True,
        "requires2fa": True,
        "challengeToken": token,
        "message": "2FA verification required",
    }


def _open_challenge(claims: dict, ctx: Context) -> None:
    found = challenges.find(claims["jti"])
    if (
        found is None
        or found.used_at is not None
        or found.expires_at < ctx.now
        or found.failures >= ctx.settings.max_failed_attempts
    ):
        raise Unauthorized(CHALLENGE_DEAD)


def _email_code_ok(user: User, code: str, ctx: Context) -> bool:
    usable = codes.refusal(ctx, user) is None
    return usable and codes.email_code_matches(ctx, user, code)


def _fail(user: User, claims: dict, message: str) -> Unauthorized:
    challenges.count_failure(claims["jti"])
    if user.otp_hash:
        users.count_failed_attempt(user.id, user.otp_hash)
    return Unauthorized(message)


def _close(claims: dict, ctx: Context) -> None:
    max_failures = ctx.settings.max_failed_attempts
    if not challenges.use(claims["jti"], now=ctx.now, max_failures=max_failures):
        raise Unauthorized(CHALLENGE_DEAD)


def verify(user: User, claims: dict, code: str, ctx: Context) -> dict:
    """Answer a challenge with the current TOTP or a code sent by resend; an access token."""
    _open_challenge(claims, ctx)
    ok = totp.use_code(user, code, ctx) or (
        _email_code_ok(user, code, ctx)
        and users.use_email_otp(
            user.id,
            user.otp_hash,
            now=ctx.now,
            max_attempts=ctx.settings.max_failed_attempts,
            totp_step=None,
        )
    )
    if not ok:
        raise _fail(user, claims, "Invalid code")
    _close(claims, ctx)
    return {
        "success": True,
        "message": "2FA verification successful",
        **sessions.access_body(user, ctx),
    }


def recover(user: User, claims: dict, typed: str, ctx: Context) -> dict:
    """Answer a challenge with a backup code, which is used up."""
    _open_challenge(claims, ctx)
    if not backup.use(user, typed, ctx):
        raise _fail(user, claims, "Invalid backup code")
    _close(claims, ctx)
    notifications.send_notice(ctx.mailer, user.email, notifications.BACKUP_CODE_USED)
    return {
        "success": True,
        "message": "2FA verification successful",
        **sessions.access_body(user, ctx),
        "remainingBackupCodes": backup_codes.count_unused(user.id),
    }


def resend(user: User, claims: dict, channel: str, ctx: Context) -> dict:
    """Send a new code for verify by email or SMS; it replaces any earlier one."""
    _open_challenge(claims, ctx)
    code = codes.issue_code(ctx)
    if channel == "sms":
        if ctx.sms is None:
            raise InvalidInput("SMS is not configured on this server")
        if not user.phone:
            raise InvalidInput("No phone number on this account")
        minutes = ctx.settings.otp_ttl_seconds // 60
        text = f"Your verification code is {code.code}. It is valid for {minutes} minutes."
        try:
            ctx.sms.send("+" + user.phone, text)
        except SmsDeliveryError as exc:
            raise ServiceUnavailable("Could not send the SMS") from exc
    else:
        notifications.send_code(ctx.mailer, user.email, code.code, ctx.settings.otp_ttl_seconds)
    users.issue_email_otp(user.id, code.code_hash, code.expires_at)
    return {"success": True, "message": f"OTP sent via {channel}"}
