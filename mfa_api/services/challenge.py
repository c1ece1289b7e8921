"""The 2FA face's login: the password, then a challenge answered by TOTP, a code resent for that
challenge (email or SMS), or a backup code."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput, ServiceUnavailable, Unauthorized
from ..sms import SmsDeliveryError
from ..store import challenges, users
from ..store.users import User
from . import audit, backup, codes, guard, notifications, sessions, totp
from .context import Context
from .login import authenticate
from .sessions import AccessGrant

CHALLENGE_DEAD = "Challenge expired or used; log in again"
NO_VERIFIED_PHONE = "No verified phone number on this account (add one with /api/auth/2fa/phone)"


@dataclass(frozen=True)
class LoginOutcome:
    """Either an access token (2FA off) or a challenge token for the second step."""

    access: AccessGrant | None
    challenge_token: str | None


@dataclass(frozen=True)
class Recovered:
    """Access after a backup code, and how many codes remain."""

    access: AccessGrant
    remaining: int


def login(email: str, password: str, ctx: Context) -> LoginOutcome:
    """Check the password; a challenge token when 2FA is on, else an access token."""
    user = authenticate(email, password, ctx)
    if not user.twofa_enabled:
        audit.record(ctx, user.id, audit.LOGIN_SUCCEEDED, factor="password")
        return LoginOutcome(sessions.grant_access(user, ctx), None)
    guard.ensure_not_locked(ctx, user.email)
    token, claims = sessions.challenge_token(user, ctx)
    challenges.create(claims["jti"], user.id, claims["exp"])
    return LoginOutcome(None, token)


def _open_challenge(claims: dict, ctx: Context) -> None:
    found = challenges.find(claims["jti"])
    if (
        found is None
        or found.used_at is not None
        or found.expires_at < ctx.now
        or found.failures >= ctx.settings.max_failed_attempts
    ):
        raise Unauthorized(CHALLENGE_DEAD)


def _begin_try(user: User, claims: dict, ctx: Context) -> guard.Attempt:
    """Reserve a try on the account and on the challenge before any code is checked."""
    _open_challenge(claims, ctx)
    attempt = guard.second_factor_attempt(ctx, user.email)
    max_tries = ctx.settings.max_failed_attempts
    if not challenges.reserve_try(claims["jti"], now=ctx.now, max_failures=max_tries):
        guard.release(attempt)
        raise Unauthorized(CHALLENGE_DEAD)
    return attempt


def _finish(user: User, claims: dict, attempt: guard.Attempt, ctx: Context, factor: str):
    if not challenges.use(claims["jti"], now=ctx.now):
        raise Unauthorized(CHALLENGE_DEAD)  # a concurrent answer closed it first
    guard.succeeded(attempt)
    audit.record(ctx, user.id, audit.LOGIN_SUCCEEDED, factor=factor)
    return sessions.grant_access(user, ctx)


def _fail(user: User, attempt: guard.Attempt, ctx: Context, message: str) -> Unauthorized:
    guard.failed(ctx, attempt, user.id, audit.SECOND_FACTOR_FAILED, during="login")
    return Unauthorized(message)


def _resent_code_ok(user: User, claims: dict, code: str, ctx: Context) -> bool:
    purpose = codes.challenge_purpose(claims["jti"])
    return (
        codes.refusal(ctx, user, purpose) is None
        and codes.email_code_matches(ctx, user, code)
        and users.use_email_otp(user.id, user.otp_hash, now=ctx.now, totp_step=None)
    )


def verify(user: User, claims: dict, code: str, ctx: Context) -> AccessGrant:
    """Answer a challenge with the current TOTP or the code resent for it; an access token."""
    attempt = _begin_try(user, claims, ctx)
    if totp.use_code(user, code, ctx):
        return _finish(user, claims, attempt, ctx, "totp")
    if _resent_code_ok(user, claims, code, ctx):
        return _finish(user, claims, attempt, ctx, "sent_code")
    raise _fail(user, attempt, ctx, "Invalid code")


def recover(user: User, claims: dict, typed: str, ctx: Context) -> Recovered:
    """Answer a challenge with a backup code, which is used up."""
    attempt = _begin_try(user, claims, ctx)
    if not backup.use(user, typed, ctx):
        raise _fail(user, attempt, ctx, "Invalid backup code")
    access = _finish(user, claims, attempt, ctx, "backup_code")
    return Recovered(access, backup.announce_use(user, ctx))


def resend(user: User, claims: dict, channel: str, ctx: Context) -> None:
    """Send a new code that answers this challenge only, by email or SMS (to a verified phone);
    it replaces any earlier code."""
    _open_challenge(claims, ctx)
    guard.ensure_not_locked(ctx, user.email)
    code = codes.issue_code(ctx)
    if channel == "sms":
        if ctx.sms is None:
            raise InvalidInput("SMS is not configured on this server")
        if not user.verified_phone:
            raise InvalidInput(NO_VERIFIED_PHONE)
        minutes = ctx.settings.otp_ttl_seconds // 60
        text = f"Your verification code is {code.code}. It is valid for {minutes} minutes."
        try:
            ctx.sms.send("+" + user.verified_phone, text)
        except SmsDeliveryError as exc:
            raise ServiceUnavailable("Could not send the SMS") from exc
    else:
        notifications.send_code(ctx.mailer, user.email, code.code, ctx.settings.otp_ttl_seconds)
    purpose = codes.challenge_purpose(claims["jti"])
    users.issue_email_otp(
        user.id, code.code_hash, code.expires_at, purpose=purpose, client=ctx.client.ip
    )
