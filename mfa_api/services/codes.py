"""Rules shared by every mailed (or texted) one-time code: issue, purpose, expiry, tries, match."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..errors import ApiError, InvalidInput, TooManyAttempts, Unauthorized
from ..security import crypto, otp
from . import guard
from .context import Context

INVALID_CODES = "Invalid OTP or authentication code"
CODES_REQUIRED = "Email, OTP and authentication code are required"

# What a code answers; it answers nothing else. (A pending registration's: pending.REGISTER.)
LOGIN = "login"  # the mfa-php face's /login


def challenge_purpose(jti: str) -> str:
    """The purpose of a code resent for one 2FA-face login challenge."""
    return f"challenge:{jti}"


@dataclass(frozen=True)
class IssuedCode:
    """A fresh code: what is mailed, what is stored and when it dies."""

    code: str
    code_hash: str
    expires_at: int


def issue_code(ctx: Context) -> IssuedCode:
    """Make a new 6-digit code with its keyed hash and expiry."""
    code = otp.new_email_code()
    return IssuedCode(
        code=code,
        code_hash=hash_code(ctx, code),
        expires_at=ctx.now + ctx.settings.otp_ttl_seconds,
    )


def hash_code(ctx: Context, code: str) -> str:
    """The keyed hash under which a code is stored."""
    return crypto.keyed_hash(ctx.settings.otp_key, code)


class HoldsCode(Protocol):
    """A row with an outstanding code: a user, or a pending registration."""

    otp_hash: str
    otp_expires_at: int | None
    failed_attempts: int
    otp_purpose: str
    otp_client: str


def refusal(ctx: Context, holder: HoldsCode, purpose: str) -> ApiError | None:
    """Why holder's outstanding code cannot answer purpose now (worn out, missing, issued for
    something else, expired), or None. A refused code is never evaluated."""
    if holder.failed_attempts >= ctx.settings.max_failed_attempts:
        return TooManyAttempts(guard.CODE_WORN_OUT)
    if not holder.otp_hash or holder.otp_purpose != purpose:
        return Unauthorized(INVALID_CODES)
    if holder.otp_expires_at is None or holder.otp_expires_at < ctx.now:
        return Unauthorized("OTP has expired")
    return None


def email_code_matches(ctx: Context, holder: HoldsCode, code: str) -> bool:
    """True when code is holder's outstanding code (constant-time compare)."""
    return crypto.same_hash(holder.otp_hash, hash_code(ctx, code))


@dataclass(frozen=True)
class Checked:
    """The outcome of an evaluated guess, and the attempt it was counted as."""

    matched: bool
    step: int | None
    attempt: guard.Attempt


def check_with_totp(
    ctx: Context,
    holder: HoldsCode,
    *,
    email: str,
    purpose: str,
    email_otp: str,
    totp_secret: str | None,
    auth_code: str | None,
    last_step: int | None,
    reserve_try: Callable[[], bool],
    reload: Callable[[], HoldsCode | None],
) -> Checked:
    """Check holder's mailed code and (when totp_secret is given) the TOTP, the mfa-php way.

    Refused unevaluated (429, 401 expired) when the code cannot answer purpose. The client that
    asked for the code proved the password: its tries count on the code itself (reserve_try) and
    toward the account's back-off and lock. Any other client counts on its own. Both codes are
    always computed, so the time taken does not say which one failed. reload reads holder
    again, to say why a try could not be reserved.
    """
    refused = refusal(ctx, holder, purpose)
    if refused is not None:
        raise refused
    if totp_secret is not None and auth_code is None:
        raise InvalidInput(CODES_REQUIRED)
    if holder.otp_client == ctx.client.ip:
        attempt = guard.second_factor_attempt(ctx, email)
        if not reserve_try():  # used, replaced or worn out by a concurrent request
            guard.release(attempt)
            now_held = reload()
            raise (now_held and refusal(ctx, now_held, purpose)) or Unauthorized(INVALID_CODES)
    else:
        attempt = guard.unproven_code_attempt(ctx, email, holder.otp_hash[:16])
    email_ok = email_code_matches(ctx, holder, email_otp)
    if totp_secret is None:
        return Checked(email_ok, None, attempt)
    step = otp.matching_totp_step(totp_secret, auth_code, ctx.now, last_step)
    return Checked(email_ok and step is not None, step, attempt)
