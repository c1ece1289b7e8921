"""Rules shared by every mailed (or texted) one-time code: issue, purpose, expiry, tries, match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ...errors import ApiError, TooManyAttempts, Unauthorized
from ...security import crypto, otp
from ...store import users
from ...store.users import User
from ..context import Context
from ..defence import counters
from .factor import INVALID_CODE, Outcome, accepted, refused

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
        return TooManyAttempts(counters.CODE_WORN_OUT)
    if not holder.otp_hash or holder.otp_purpose != purpose:
        return Unauthorized(INVALID_CODES)
    if holder.otp_expires_at is None or holder.otp_expires_at < ctx.now:
        return Unauthorized("OTP has expired")
    return None


def email_code_matches(ctx: Context, holder: HoldsCode, code: str) -> bool:
    """True when code is holder's outstanding code (constant-time compare)."""
    return same_code(holder.otp_hash, hash_code(ctx, code))


class SentCode:
    """A code mailed or texted (/2fa/resend) for one login challenge, which it alone answers."""

    name = "sent_code"

    def takes(self, answer: object, challenge: str | None) -> bool:
        """Six digits, at the login challenge a code can have been sent for."""
        return challenge is not None and isinstance(answer, str) and otp.is_six_digits(answer)

    def use(self, user: User, answer: object, ctx: Context, challenge: str | None) -> Outcome:
        """Use up the user's outstanding code when answer is it and it was sent for this
        challenge (not worn out, not expired)."""
        right = (
            challenge is not None
            and isinstance(answer, str)
            and refusal(ctx, user, challenge_purpose(challenge)) is None
            and email_code_matches(ctx, user, answer)
            and users.use_email_otp(user.id, user.otp_hash, now=ctx.now, totp_step=None)
        )
        return accepted(self.name) if right else refused(INVALID_CODE)


SENT_CODE = SentCode()


def same_code(stored_hash: str, code_hash: str) -> bool:
    """Compare two code hashes in constant time."""
    return crypto.same_hash(stored_hash, code_hash)


def reserve_login_try(
    ctx: Context, user: HoldsCode, email: str, reserve_own_try
) -> counters.Attempt:
    """Reserve a guess at a user's mailed login code, or refuse it unevaluated.

    The client that asked for the code proved the password: its tries count on the code itself
    (reserve_own_try, one conditional UPDATE: False when a concurrent try wore it out) and
    toward the account's back-off and lock. Any other client counts on its own.
    """
    if holder_asked(ctx, user):
        attempt = counters.second_factor_attempt(ctx, email)
        if not reserve_own_try():
            counters.release(attempt)
            raise TooManyAttempts(counters.CODE_WORN_OUT)
        return attempt
    return counters.unproven_code_attempt(ctx, email, user.otp_hash[:16])


def holder_asked(ctx: Context, holder: HoldsCode) -> bool:
    """True when the calling client is the one the holder's code was issued to."""
    return holder.otp_client == ctx.client.key


def matches(
    ctx: Context,
    code_hash: str,
    *,
    email_code: str,
    totp_secret: str,
    totp_code: str | None,
    last_step: int | None,
) -> tuple[bool, int | None]:
    """Whether email_code is the code stored as code_hash and totp_code a TOTP of totp_secret
    (unless totp_code is None: the mailed code alone); the TOTP's step.

    Both are always computed, so the time taken does not say which one failed.
    """
    email_ok = same_code(code_hash, hash_code(ctx, email_code))
    if totp_code is None:
        return email_ok, None
    step = otp.matching_totp_step(totp_secret, totp_code, ctx.now, last_step)
    return email_ok and step is not None, step
