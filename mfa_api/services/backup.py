"""Backup codes: 10 a set, 80 bits each, checked by keyed hash, listed from encrypted copies."""

from __future__ import annotations

from ..config import Settings
from ..errors import InvalidInput
from ..security import crypto, otp
from ..store import backup_codes
from ..store.users import User
from . import notifications
from .login import check_password
from .notifications import Mailer

CODES_PER_SET = 10


def code_hash(settings: Settings, code: str) -> str:
    """The keyed hash a (canonical) backup code is found by."""
    return crypto.keyed_hash(settings.backup_key, code)


def generate(user: User, settings: Settings, now: int, mailer: Mailer) -> list[str]:
    """Make a new set of codes; every earlier one stops working."""
    if not user.twofa_enabled:
        raise InvalidInput("2FA is not enabled")
    codes = [otp.new_backup_code() for _ in range(CODES_PER_SET)]
    rows = [(code_hash(settings, c), crypto.encrypt(settings.backup_cipher, c)) for c in codes]
    backup_codes.replace_all(user.id, rows, now)
    notifications.send_notice(mailer, user.email, notifications.BACKUP_CODES_CREATED)
    return codes


def unused(user: User, password: str | None, settings: Settings) -> list[str]:
    """The user's unused codes, for whoever knows the password."""
    if not password:
        raise InvalidInput("Password required (X-Password header or JSON body)")
    check_password(user, password)
    return [
        crypto.decrypt(settings.backup_cipher, copy) for copy in backup_codes.unused_copies(user.id)
    ]


def use(user: User, typed: str, settings: Settings, now: int) -> bool:
    """Use up one of the user's unused codes; False when it is wrong, used or malformed."""
    code = otp.normalize_backup_code(typed)
    return code is not None and backup_codes.use(user.id, code_hash(settings, code), now)
