"""The `auth_challenges` table: one row per challenge token (password done, second factor due)."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import get_db


@dataclass(frozen=True)
class Challenge:
    """A login waiting for its second factor."""

    jti: str
    user_id: int
    failures: int
    expires_at: int
    used_at: int | None


def create(jti: str, user_id: int, expires_at: int) -> None:
    """Record a new challenge (and sweep this user's dead ones)."""
    db = get_db()
    db.execute(
        "DELETE FROM auth_challenges WHERE user_id = ? AND (expires_at < ? OR used_at IS NOT NULL)",
        (user_id, expires_at - 86400),
    )
    db.execute(
        "INSERT INTO auth_challenges (jti, user_id, failures, expires_at) VALUES (?, ?, 0, ?)",
        (jti, user_id, expires_at),
    )


def find(jti: str) -> Challenge | None:
    """The challenge with this token id, or None."""
    row = get_db().fetch_one(
        "SELECT jti, user_id, failures, expires_at, used_at FROM auth_challenges WHERE jti = ?",
        (jti,),
    )
    return None if row is None else Challenge(**row)


def reserve_try(jti: str, *, now: int, max_failures: int) -> bool:
    """Count a try at the challenge before its code is checked; False when the challenge is
    used, expired or worn out."""
    changed = get_db().execute(
        "UPDATE auth_challenges SET failures = failures + 1 "
        "WHERE jti = ? AND used_at IS NULL AND expires_at >= ? AND failures < ?",
        (jti, now, max_failures),
    )
    return changed == 1


def use(jti: str, *, now: int) -> bool:
    """Mark the challenge done; True only for the one request that did it."""
    changed = get_db().execute(
        "UPDATE auth_challenges SET used_at = ? "
        "WHERE jti = ? AND used_at IS NULL AND expires_at >= ?",
        (now, jti, now),
    )
    return changed == 1


def sweep_expired(before: int, batch: int) -> int:
    """Drop a batch of challenges that expired before `before` (`flask sweep`); how many went."""
    return get_db().delete_oldest("auth_challenges", "expires_at", before, batch)
