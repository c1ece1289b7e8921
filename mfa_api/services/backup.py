"""Backup codes: a set at a time, 80 bits each, checked by keyed hash, listed from encrypted
copies."""

from __future__ import annotations

from ..errors import InvalidInput
from ..security import crypto, otp
from ..store import backup_codes
from ..store.users import User
from . import notifications
from .context import Context
from .login import check_password

CODES_PER_SET = 10


def code_hash(ctx: Context, code: str) -> str:
    """The keyed hash a (canonical) backup code is found by."""
    return crypto.keyed_hash(ctx.settings.backup_key, code)


def generate(user: User, ctx: Context) -> list[str]:
    """Make a new set of codes; every earlier one stops working."""
    if not user.twofa_enabled:
        raise InvalidInput("2FA is not enabled")
    codes = [otp.new_backup_code() for _ in range(CODES_PER_SET)]
    cipher = ctx.settings.backup_cipher
    rows = [(code_hash(ctx, c), crypto.encrypt(cipher, c)) for c in codes]
    backup_codes.replace_all(user.id, rows, ctx.now)
    notifications.send_notice(ctx.mailer, user.email, notifications.BACKUP_CODES_CREATED)
    return codes


def unused(user: User, password: str | None, ctx: Context) -> list[str]:
    """The user's unused codes, for whoever knows the password."""
    if not password:
        raise InvalidInput("Password required (X-Password header or JSON body)")
    check_password(user, password)
    cipher = ctx.settings.backup_cipher
    return [crypto.decrypt(cipher, copy) for copy in backup_codes.unused_copies(user.id)]


def use(user: User, typed: str, ctx: Context) -> bool:
    """Use up one of the user's unused codes; False when it is wrong, used or malformed."""
    code = otp.normalize_backup_code(typed)
    return code is not None and backup_codes.use(user.id, code_hash(ctx, code), ctx.now)
