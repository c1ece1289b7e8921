"""Login: the password check every face shares, the emailed code, and its verification."""

from __future__ import annotations

from ...errors import InvalidInput, NotFound
from ...security import passwords
from ...store import users
from ...store.users import User
from .. import audit, sessions
from ..context import Context
from ..defence import counters, guarded, lockout
from ..defence.guarded import Wrong
from ..factors import codes, totp
from ..notifications import send_code

INVALID_CREDENTIALS = "Invalid credentials"
INVALID_PASSWORD = "Invalid password"  # noqa: S105 - a message


def authenticate(email: str, password: str, ctx: Context) -> User:
    """The verified user with this email and password, else 401 (same answer, same time).

    Backed-off attempts are refused before any hash is computed, for known and unknown emails
    alike. A hash not of the configured scheme and cost (mfa-php's $2y$10$ under Argon2id, say)
    is re-hashed on success.
    """

    def evaluate() -> User | Wrong:
        user = users.find_by_email(email)
        known = user is not None and user.is_verified
        if not ctx.settings.password_check.verify(password, user.password_hash if known else None):
            return Wrong(user.id if known else None, INVALID_CREDENTIALS)
        return user

    user = guarded.check(
        ctx, lambda: counters.password_attempt(ctx, email), evaluate, audit.LOGIN_FAILED
    )
    hasher = ctx.settings.hasher
    if hasher.needs_rehash(user.password_hash):
        users.set_password_hash(user.id, hasher.hash(password))
    return user


def check_password(user: User, password: str, ctx: Context) -> None:
    """401 Invalid password unless password is the (logged-in) user's own; counted as a login's."""

    def evaluate() -> bool | Wrong:
        right = ctx.settings.password_check.verify(password, user.password_hash)
        return right or Wrong(user.id, INVALID_PASSWORD)

    guarded.check(
        ctx, lambda: counters.password_attempt(ctx, user.email), evaluate, audit.PASSWORD_FAILED
    )


COMMON_PASSWORD = "This password is too common; choose one that is harder to guess"  # noqa: S105


def refuse_common_password(password: str, field: str, ctx: Context) -> None:
    """400 when a new password is on the list of common ones (unless REJECT_COMMON_PASSWORDS
    is off)."""
    if ctx.settings.reject_common_passwords and passwords.is_common(password):
        raise InvalidInput(COMMON_PASSWORD, errors={field: [COMMON_PASSWORD]})


def start_login(*, email: str, password: str, ctx: Context) -> User:
    """Check the password, then email a new code that replaces any earlier one."""
    user = authenticate(email, password, ctx)
    lockout.ensure_not_locked(ctx, user.email)
    code = codes.issue_code(ctx)
    send_code(ctx.mailer, user.email, code.code, ctx.settings.otp_ttl_seconds)
    users.issue_email_otp(
        user.id, code.code_hash, code.expires_at, purpose=codes.LOGIN, client=ctx.client.key
    )
    return user


def verify_login(*, email: str, email_code: str, totp_code: str | None, ctx: Context) -> str:
    """Check the emailed code (and the TOTP when 2FA is on), use them up; an access token."""
    user = users.find_by_email(email)
    if user is None:
        raise NotFound("User not found")
    refused = codes.refusal(ctx, user, codes.LOGIN)
    if refused is not None:
        raise refused
    if user.twofa_enabled and totp_code is None:
        raise InvalidInput(codes.CODES_REQUIRED)
    max_tries = ctx.settings.max_failed_attempts

    def reserve() -> counters.Attempt:
        def own_try() -> bool:
            return users.reserve_code_try(user.id, user.otp_hash, max_tries)

        return codes.reserve_login_try(ctx, user, user.email, own_try)

    def evaluate() -> bool | Wrong:
        matched, step = codes.matches(
            ctx,
            user.otp_hash,
            email_code=email_code,
            totp_secret=(
                totp.reveal(ctx.settings, user.totp_secret, f"users id {user.id}")
                if user.twofa_enabled
                else ""
            ),
            totp_code=totp_code if user.twofa_enabled else None,
            last_step=user.totp_last_step,
        )
        won = matched and users.use_email_otp(user.id, user.otp_hash, now=ctx.now, totp_step=step)
        return won or Wrong(user.id, codes.INVALID_CODES)

    guarded.check(ctx, reserve, evaluate, audit.SECOND_FACTOR_FAILED, during="login")
    factor = "email_code+totp" if user.twofa_enabled else "email_code"
    audit.record(ctx, user.id, audit.LOGIN_SUCCEEDED, factor=factor)
    return sessions.access_token(user, ctx)
