"""Step-up: what a logged-in user proves again before a sensitive action."""

from __future__ import annotations

from ..errors import Unauthorized
from ..security import otp
from ..store.users import User
from . import audit, backup, guard, totp
from .context import Context
from .login import check_password

CODE_REQUIRED = "2FA code required"


def require(user: User, password: str, code: str | None, ctx: Context) -> None:
    """The password and, when 2FA is on, a current second factor (a TOTP or a backup code)."""
    check_password(user, password, ctx)
    if not user.twofa_enabled:
        return
    if code is None:
        raise Unauthorized(CODE_REQUIRED)
    second_factor(user, code, ctx)


def second_factor(user: User, code: str, ctx: Context, during: str = "step_up") -> None:
    """Check a TOTP (its step used up) or use up a backup code; counted on the account."""
    attempt = guard.second_factor_attempt(ctx, user.email)
    if otp.is_six_digits(code):
        factor = "totp" if totp.use_code(user, code, ctx) else None
    else:
        factor = "backup_code" if backup.use(user, code, ctx) else None
    if factor is None:
        guard.failed(ctx, attempt, user.id, audit.SECOND_FACTOR_FAILED, during=during)
        if otp.is_six_digits(code):
            raise Unauthorized(totp.refuse(user, code, ctx))
        raise Unauthorized(backup.refusal(user, code, ctx, wrong=totp.INVALID_CODE))
    guard.succeeded(ctx, attempt)
    audit.record(ctx, user.id, audit.SECOND_FACTOR_SUCCEEDED, during=during, factor=factor)
    if factor == "backup_code":
        backup.announce_use(user, ctx)
