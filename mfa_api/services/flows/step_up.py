"""Step-up: what a logged-in user proves again before a sensitive action."""

from __future__ import annotations

from ...errors import Unauthorized
from ...store.users import User
from .. import audit
from ..context import Context
from ..defence import counters, guarded
from ..defence.guarded import Wrong
from ..factors import backup, choice, passkeys
from .login import check_password

CODE_REQUIRED = "2FA code required"


SecondFactor = str | dict  # a TOTP or backup code, or a passkey's assertion (JSON)


def require(user: User, password: str, code: SecondFactor | None, ctx: Context) -> None:
    """The password and, when 2FA is on, a current second factor (a TOTP, a backup code, or a
    passkey's answer to the step-up options)."""
    check_password(user, password, ctx)
    if not user.twofa_enabled:
        return
    if code is None:
        raise Unauthorized(CODE_REQUIRED)
    second_factor(user, code, ctx)


def options(user: User, ctx: Context) -> dict:
    """Request options for a passkey to answer the user's next step-up with."""
    return passkeys.assertion_options(user, passkeys.ceremony(user, None), ctx)


def second_factor(user: User, code: SecondFactor, ctx: Context, during: str = "step_up") -> None:
    """Check a TOTP (its step used up), use up a backup code, or check a passkey's assertion;
    counted on the account."""

    def evaluate() -> str | Wrong:
        outcome = choice.use(user, code, ctx, challenge=None)
        return outcome.factor or Wrong(user.id, outcome.refusal)

    factor = guarded.check(
        ctx,
        lambda: counters.second_factor_attempt(ctx, user.email),
        evaluate,
        audit.SECOND_FACTOR_FAILED,
        during=during,
    )
    audit.record(ctx, user.id, audit.SECOND_FACTOR_SUCCEEDED, during=during, factor=factor)
    if factor == backup.BACKUP_CODE.name:
        ctx.tally.backup_code_used = True  # the answer says how many remain (backup.left)
        backup.announce_use(user, ctx)
