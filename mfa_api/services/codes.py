"""Rules shared by every emailed one-time code: issue, expiry, attempt limit, match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..errors import ApiError, InvalidInput, TooManyAttempts, Unauthorized
from ..security import crypto, otp
from .context import Context

INVALID_CODES = "Invalid OTP or authentication code"
CODES_REQUIRED = "Email, OTP and authentication code are required"


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
    """A row with an outstanding emailed code: a user, or a pending registration."""

    otp_hash: str
    otp_expires_at: int | None
    failed_attempts: int


def refusal(ctx: Context, holder: HoldsCode) -> ApiError | None:
    """Why holder's outstanding code cannot be used now (worn out, missing, expired), or None."""
    if holder.failed_attempts >= ctx.settings.max_failed_attempts:
        return TooManyAttempts("Too many failed attempts; request a new code")
    if not holder.otp_hash:
        return Unauthorized(INVALID_CODES)
    if holder.otp_expires_at is None or holder.otp_expires_at < ctx.now:
        return Unauthorized("OTP has expired")
    return None


def email_code_matches(ctx: Context, holder: HoldsCode, code: str) -> bool:
    """True when code is holder's outstanding emailed code (constant-time compare)."""
    return crypto.same_hash(holder.otp_hash, hash_code(ctx, code))


def check(
    ctx: Context,
    holder: HoldsCode,
    *,
    email_otp: str,
    totp_secret: str | None,
    auth_code: str | None,
    last_step: int | None,
) -> tuple[bool, int | None]:
    """Check holder's emailed code and (when totp_secret is given) the TOTP: (both ok, step).

    Refuses first (429, or 401 expired) when the code is worn out, expired or missing. Both
    codes are always computed, so the time taken does not say which one failed.
    """
    refused = refusal(ctx, holder)
    if refused is not None:
        raise refused
    email_ok = email_code_matches(ctx, holder, email_otp)
    if totp_secret is None:
        return email_ok, None
    if auth_code is None:
        raise InvalidInput(CODES_REQUIRED)
    step = otp.matching_totp_step(totp_secret, auth_code, ctx.now, last_step)
    return email_ok and step is not None, step
