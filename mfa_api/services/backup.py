"""Backup codes: a set at a time, 80 bits each, checked by keyed hash, listed from encrypted
copies."""

from __future__ import annotations

from ..errors import InvalidInput, Unauthorized
from ..security import crypto, otp
from ..store import backup_codes, users
from ..store.users import User
from . import audit, notifications, sessions
from .context import Context
from .login import check_password
from .sealing import open_sealed

CODES_PER_SET = 10
LOW_AFTER = 2  # this many left or fewer: the user is warned to make a new set
SECOND_FACTOR_FIRST = (
    "Log in with a second factor (not a remembered device) to see the backup codes"
)


def code_hash(ctx: Context, code: str) -> str:
    """The keyed hash a (canonical) backup code is found by."""
    return crypto.keyed_hash(ctx.settings.backup_key, code)


def replace_set(user: User, ctx: Context) -> list[str]:
    """Store a new set of codes as the user's only ones (call inside a transaction); the codes."""
    codes = [otp.new_backup_code() for _ in range(CODES_PER_SET)]
    cipher = ctx.settings.backup_cipher
    rows = [(code_hash(ctx, c), crypto.encrypt(cipher, c)) for c in codes]
    backup_codes.replace_all(user.id, rows, ctx.now)
    return codes


def unused(user: User, password: str | None, claims: dict, ctx: Context) -> list[str]:
    """The user's unused codes, for whoever knows the password and logged in with a second
    factor (not a remembered device: the codes would open every step-up)."""
    if sessions.skipped_second_factor(claims):
        raise Unauthorized(SECOND_FACTOR_FIRST)
    if not password:
        raise InvalidInput("Password required (X-Password header or JSON body)")
    check_password(user, password, ctx)
    cipher = ctx.settings.backup_cipher
    where = f"backup_codes of user {user.id}"
    return [open_sealed(cipher, copy, where) for copy in backup_codes.unused_copies(user.id)]


def use(user: User, typed: str, ctx: Context) -> bool:
    """Use up one of the user's unused codes; False when it is wrong, used or malformed."""
    code = otp.normalize_backup_code(typed)
    return code is not None and backup_codes.use(user.id, code_hash(ctx, code), ctx.now)


ALREADY_USED = "This backup code was already used"


def refusal(user: User, typed: str, ctx: Context, wrong: str) -> str:
    """Why use refused this code, as the user is told: already used, else `wrong`."""
    code = otp.normalize_backup_code(typed)
    used = code is not None and backup_codes.was_used(user.id, code_hash(ctx, code))
    return ALREADY_USED if used else wrong


def low_warning(remaining: int) -> str | None:
    """The warning for a user with few backup codes left, or None while they have enough."""
    if remaining > LOW_AFTER:
        return None
    left = "No backup codes are" if remaining == 0 else f"Only {_codes(remaining)}"
    return (
        f"{left} left: make a new set (POST /api/auth/2fa/backup-codes) before you need one, "
        "or losing your authenticator may lock you out"
    )


def left(user_id: int) -> tuple[int, str | None]:
    """How many unused backup codes the user holds now, and the low warning while they still
    need them (none once 2FA is off or the account is gone: no code is left to use)."""
    user = users.find_by_id(user_id)
    if user is None or not user.twofa_enabled:
        return 0, None
    remaining = backup_codes.count_unused(user_id)
    return remaining, low_warning(remaining)


def _codes(n: int) -> str:
    return f"{n} backup code{'s' if n != 1 else ''}"


def announce_use(user: User, ctx: Context) -> int:
    """Record and mail that a backup code was used, and how many remain (warning when few
    do); how many remain."""
    remaining = backup_codes.count_unused(user.id)
    audit.record(ctx, user.id, audit.BACKUP_CODE_USED, remaining=remaining)
    counted = f"{notifications.BACKUP_CODE_USED} {_codes(remaining).capitalize()} left."
    warning = low_warning(remaining)
    event = counted if warning is None else f"{counted} {warning}."
    notifications.send_notice(ctx.mailer, user.email, event)
    return remaining
