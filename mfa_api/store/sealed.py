"""The columns that hold secrets sealed at rest, read and rewritten in batches (key rotation)."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import get_db


@dataclass(frozen=True)
class SealedColumn:
    """A table's column of sealed values (TOTP seeds, webhook secrets), and the key that
    orders its rows."""

    table: str
    key: str
    column: str


SEALED_COLUMNS = (
    SealedColumn("users", "id", "auth_code"),
    SealedColumn("waiting_users", "waiting_id", "auth_code"),
    SealedColumn("webhook_endpoints", "id", "secret"),
)


def batch(sealed: SealedColumn, after: int, limit: int) -> list[tuple[int, str]]:
    """(row key, value) of the next rows after `after` whose value is not empty."""
    rows = get_db().fetch_all(
        f"SELECT {sealed.key} AS k, {sealed.column} AS v FROM {sealed.table} "
        f"WHERE {sealed.key} > ? AND {sealed.column} <> '' ORDER BY {sealed.key} LIMIT ?",
        (after, limit),
    )
    return [(row["k"], row["v"]) for row in rows]


def swap(sealed: SealedColumn, row_key: int, old: str, new: str) -> bool:
    """Replace the value, unless it changed since it was read; True if replaced."""
    changed = get_db().execute(
        f"UPDATE {sealed.table} SET {sealed.column} = ? "
        f"WHERE {sealed.key} = ? AND {sealed.column} = ?",
        (new, row_key, old),
    )
    return changed == 1
