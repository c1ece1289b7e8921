"""Backup codes: a set at a time, 80 bits each, shown once when made and stored as hashes only
(NIST SP 800-63B 5.1.2.2): afterwards a user learns how many are left, never the codes."""

from __future__ import annotations

from ...security import otp
from ...store import backup_codes, users
from ...store.users import User
from .. import audit, notifications
from ..context import Context, Links
from .factor import INVALID_CODE, Outcome, accepted, refused

CODES_PER_SET = 10
LOW_AFTER = 2  # this many left or fewer: the user is warned to make a new set


def code_hash(code: str) -> str:
    """The hash a (canonical) backup code is found by: unkeyed, so that changing SECRET_KEY
    keeps every code (80 random bits need no key: see crypto.random_token_hash)."""
    return otp.backup_code_hash(code)


def replace_set(user: User, ctx: Context) -> list[str]:
    """Store a new set of codes as the user's only ones (call inside a transaction); the codes,
    which only this answer ever shows."""
    codes = [otp.new_backup_code() for _ in range(CODES_PER_SET)]
    backup_codes.replace_all(user.id, [code_hash(c) for c in codes], ctx.now)
    return codes


def remaining(user: User) -> int:
    """How many unused codes the user has left."""
    return backup_codes.count_unused(user.id)


ALREADY_USED = "This backup code was already used"


class BackupCode:
    """One of the user's backup codes, each used once; a wrong one is told `wrong`."""

    name = "backup_code"

    def __init__(self, wrong: str) -> None:
        self.wrong = wrong

    def takes(self, answer: object, challenge: str | None) -> bool:
        """A backup code's shape (any case, with or without its dashes)."""
        return isinstance(answer, str) and otp.normalize_backup_code(answer) is not None

    def use(self, user: User, answer: object, ctx: Context, challenge: str | None) -> Outcome:
        """Use up one of the user's unused codes; refused when it is wrong, used or malformed
        (told which only when asked: one more read)."""
        code = otp.normalize_backup_code(answer) if isinstance(answer, str) else None
        if code is not None and backup_codes.use(user.id, code_hash(code), ctx.now):
            return accepted(self.name)
        return refused(lambda: self._refusal(user, code))

    def _refusal(self, user: User, code: str | None) -> str:
        """Why use refused this code, as the user is told: already used, else `wrong`."""
        used = code is not None and backup_codes.was_used(user.id, code_hash(code))
        return ALREADY_USED if used else self.wrong


# Where any second factor may answer (a step-up's `otp`), a wrong one is just an invalid code;
# where only a backup code is asked for (/2fa/recover), an invalid backup code.
BACKUP_CODE = BackupCode(wrong=INVALID_CODE)
RECOVERY_CODE = BackupCode(wrong="Invalid backup code")


def low_warning(remaining: int, links: Links) -> str | None:
    """The warning for a user with few backup codes left, or None while they have enough."""
    if remaining > LOW_AFTER:
        return None
    left = "No backup codes are" if remaining == 0 else f"Only {_codes(remaining)}"
    where = f" ({links.new_backup_codes})" if links.new_backup_codes else ""
    return (
        f"{left} left: make a new set{where} before you need one, "
        "or losing your authenticator may lock you out"
    )


def left(user_id: int, links: Links) -> tuple[int, str | None]:
    """How many unused backup codes the user holds now, and the low warning while they still
    need them (none once 2FA is off or the account is gone: no code is left to use)."""
    user = users.find_by_id(user_id)
    if user is None or not user.twofa_enabled:
        return 0, None
    remaining = backup_codes.count_unused(user_id)
    return remaining, low_warning(remaining, links)


def _codes(n: int) -> str:
    return f"{n} backup code{'s' if n != 1 else ''}"


def announce_use(user: User, ctx: Context) -> int:
    """Record and mail that a backup code was used, and how many remain (warning when few
    do); how many remain."""
    left = remaining(user)
    audit.record(ctx, user.id, audit.BACKUP_CODE_USED, remaining=left)
    counted = f"{notifications.BACKUP_CODE_USED} {_codes(left).capitalize()} left."
    warning = low_warning(left, ctx.links)
    event = counted if warning is None else f"{counted} {warning}."
    notifications.send_notice(ctx.mailer, user.email, event)
    return left
