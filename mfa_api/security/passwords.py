"""Password hashing with bcrypt, compatible with PHP's password_hash ($2y$), and the common
passwords a new one may not be."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import bcrypt

MAX_PASSWORD_BYTES = 72  # bcrypt ignores (bcrypt 5: refuses) anything longer


def hash_password(password: str, rounds: int) -> str:
    """Hash a password at the given bcrypt cost."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    """True when password matches the hash; a malformed hash or over-long password is a no."""
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False


def cost_of(password_hash: str) -> int | None:
    """The bcrypt cost a hash was made at, or None when it is not a bcrypt hash."""
    try:
        return int(password_hash.split("$")[2])
    except (IndexError, ValueError):
        return None


def needs_rehash(password_hash: str, rounds: int) -> bool:
    """True when the hash was made at another cost than the one configured now (a higher one
    would make its wrong passwords slower than everyone else's)."""
    return cost_of(password_hash) != rounds


MAX_PADDING_CHECKS = 64


def verify_in_equal_time(password: str, password_hash: str, rounds: int) -> bool:
    """verify_password, but a wrong password costs what it costs against a hash of the
    configured cost, whatever the stored hash's (mfa-php's $2y$10$ under rounds 12, say), so
    that timing never tells an upgraded user from the others.

    bcrypt's time doubles with each cost step: 2**(rounds - cost) - 1 more checks at the stored
    cost add up to one at the configured cost.
    """
    if verify_password(password, password_hash):
        return True
    cost = cost_of(password_hash)
    if cost is not None and 4 <= cost < rounds and 2 ** (rounds - cost) - 1 <= MAX_PADDING_CHECKS:
        for _ in range(2 ** (rounds - cost) - 1):
            verify_password(password, dummy_hash(cost))
    elif cost is None or cost < rounds:  # not bcrypt, or far cheaper: one full check
        verify_password(password, dummy_hash(rounds))
    return False


@functools.lru_cache(maxsize=4)
def dummy_hash(rounds: int) -> str:
    """A hash to check against when there is no user, so that a miss costs what a hit costs."""
    return hash_password("not-a-real-password", rounds)


COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


@functools.cache
def _common() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text().splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    """True when password, however typed (any case, spaces around it, full-width letters), is a
    common one, a common one repeated, or one character repeated."""
    folded = unicodedata.normalize("NFKC", password).strip().lower()
    unit = _repeated_unit(folded)
    return folded in _common() or unit in _common() or len(unit) == 1


def _repeated_unit(text: str) -> str:
    """The shortest piece text is a repetition of (text itself when it is none)."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def is_blank(password: str) -> bool:
    """True when password has nothing visible: only spaces, control or format characters."""
    return all(unicodedata.category(c)[0] in "ZC" for c in password)
