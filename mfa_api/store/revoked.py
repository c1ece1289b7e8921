"""The `revoked_tokens` table: ids of tokens that stopped working before they expire."""

from __future__ import annotations

import contextlib

from ..db import IntegrityError, get_db

PURGE_BATCH = 100


def add(jti: str, expires_at: int) -> None:
    """Record a token id as revoked until it would have expired anyway (again: no change)."""
    with contextlib.suppress(IntegrityError):  # revoked already
        get_db().execute(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)", (jti, expires_at)
        )


def contains(jti: str, now: int) -> bool:
    """True when this token id was revoked (and has not expired since)."""
    row = get_db().fetch_one(
        "SELECT 1 AS x FROM revoked_tokens WHERE jti = ? AND expires_at > ?", (jti, now)
    )
    return row is not None


def purge(before: int, batch: int = PURGE_BATCH) -> int:
    """Drop a batch of ids whose tokens expired before `before` (nothing left to refuse); how
    many went."""
    return get_db().delete_oldest("revoked_tokens", "expires_at", before, batch)
