"""Password hashing with bcrypt, compatible with PHP's password_hash ($2y$)."""

from __future__ import annotations

import functools

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


def needs_rehash(password_hash: str, rounds: int) -> bool:
    """True when the hash was made at a lower cost than the one configured now."""
    try:
        return int(password_hash.split("$")[2]) < rounds
    except (IndexError, ValueError):
        return True


@functools.lru_cache(maxsize=4)
def dummy_hash(rounds: int) -> str:
    """A hash to check against when there is no user, so that a miss costs what a hit costs."""
    return hash_password("not-a-real-password", rounds)
