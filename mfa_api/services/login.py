"""Login: the password check every face shares, the emailed code, and its verification."""

from __future__ import annotations

from ..errors import NotFound, Unauthorized
from ..security import passwords
from ..store import users
from ..store.users import User
from . import codes, sessions, totp
from .context import Context
from .notifications import send_code

INVALID_CREDENTIALS = "Invalid credentials"


def authenticate(email: str, password: str, ctx: Context) -> User:
    """The verified user with this email and password, else 401 (same answer, same time).

    A hash below the configured cost (mfa-php's $2y$10$, say) is re-hashed on success.
    """
    rounds = ctx.settings.bcrypt_rounds
    user = users.find_by_email(email)
    if user is None or not user.is_verified:
        passwords.verify_password(password, passwords.dummy_hash(rounds))
        raise Unauthorized(INVALID_CREDENTIALS)
    if not passwords.verify_password(password, user.password_hash):
        raise Unauthorized(INVALID_CREDENTIALS)
    if passwords.needs_rehash(user.password_hash, rounds):
        users.set_password_hash(user.id, passwords.hash_password(password, rounds))
    return user


def check_password(user: User, password: str) -> None:
    """401 Invalid password unless password is the (logged-in) user's own."""
    if not passwords.verify_password(password, user.password_hash):
        raise Unauthorized("Invalid password")


def start_login(*, email: str, password: str, ctx: Context) -> User:
    """Check the password, then email a new code that replaces any earlier one."""
    user = authenticate(email, password, ctx)
    code = codes.issue_code(ctx)
    send_code(ctx.mailer, user.email, code.code, ctx.settings.otp_ttl_seconds)
    users.issue_email_otp(user.id, code.code_hash, code.expires_at)
    return user


def verify_login(*, email: str, email_otp: str, auth_code: str | None, ctx: Context) -> str:
    """Check the emailed code (and the TOTP when 2FA is on), use them up; an access token."""
    user = users.find_by_email(email)
    if user is None:
        raise NotFound("User not found")
    ok, step = codes.check(
        ctx,
        user,
        email_otp=email_otp,
        totp_secret=totp.reveal(ctx.settings, user.totp_secret) if user.twofa_enabled else None,
        auth_code=auth_code,
        last_step=user.totp_last_step,
    )
    won = ok and users.use_email_otp(
        user.id,
        user.otp_hash,
        now=ctx.now,
        max_attempts=ctx.settings.max_failed_attempts,
        totp_step=step,
    )
    if not won:
        users.count_failed_attempt(user.id, user.otp_hash)
        raise Unauthorized(codes.INVALID_CODES)
    return sessions.access_token(user, ctx)
