"""The `backup_codes` table: the hash of each code (never the code), and when it was used."""

from __future__ import annotations

from ..db import atomically, get_db


def replace_all(user_id: int, hashes: list[str], now: int) -> None:
    """Make the codes of these hashes the user's only backup codes."""

    def replace() -> None:
        db = get_db()
        db.execute("DELETE FROM backup_codes WHERE user_id = ?", (user_id,))
        for code_hash in hashes:
            db.execute(
                "INSERT INTO backup_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
                (user_id, code_hash, now),
            )

    atomically(replace)


def use(user_id: int, code_hash: str, now: int) -> bool:
    """Use up an unused code of the user's; True only for the one request that did it."""
    changed = get_db().execute(
        "UPDATE backup_codes SET used_at = ? "
        "WHERE code_hash = ? AND user_id = ? AND used_at IS NULL",
        (now, code_hash, user_id),
    )
    return changed == 1


def was_used(user_id: int, code_hash: str) -> bool:
    """True when this is one of the user's codes, already used."""
    row = get_db().fetch_one(
        "SELECT 1 AS x FROM backup_codes "
        "WHERE code_hash = ? AND user_id = ? AND used_at IS NOT NULL",
        (code_hash, user_id),
    )
    return row is not None


def count_unused(user_id: int) -> int:
    """How many unused codes the user has."""
    row = get_db().fetch_one(
        "SELECT COUNT(*) AS n FROM backup_codes WHERE user_id = ? AND used_at IS NULL", (user_id,)
    )
    return int(row["n"])
