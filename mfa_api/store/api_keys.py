"""The `api_keys` table: the admin API's keys, kept as a hash of their secret."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import get_db

_COLUMNS = "id, name, scopes, secret_hash, created_at, expires_at, last_used_at, revoked_at"
TOUCH_EVERY = 60  # last_used_at is kept to the minute: not one write per request


@dataclass(frozen=True)
class ApiKey:
    """One admin API key (its secret is not kept: only its hash)."""

    id: str
    name: str
    scopes: tuple[str, ...]
    secret_hash: str
    created_at: int
    expires_at: int | None
    last_used_at: int | None
    revoked_at: int | None


def _key(row: dict | None) -> ApiKey | None:
    if row is None:
        return None
    return ApiKey(**{**row, "scopes": tuple(s for s in row["scopes"].split(",") if s)})


def add(key: ApiKey) -> None:
    """Keep a new key (an IntegrityError when its id is taken)."""
    get_db().execute(
        f"INSERT INTO api_keys ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
        (
            key.id,
            key.name,
            ",".join(key.scopes),
            key.secret_hash,
            key.created_at,
            key.expires_at,
            key.last_used_at,
            key.revoked_at,
        ),
    )


def find(key_id: str) -> ApiKey | None:
    """The key with this id, or None."""
    return _key(get_db().fetch_one(f"SELECT {_COLUMNS} FROM api_keys WHERE id = ?", (key_id,)))  # noqa: S608


def every() -> list[ApiKey]:
    """Every key, revoked and expired ones too, oldest first."""
    rows = get_db().fetch_all(f"SELECT {_COLUMNS} FROM api_keys ORDER BY created_at, id", ())  # noqa: S608
    return [_key(row) for row in rows]


def any_exists() -> bool:
    """Whether a key was ever created (the admin API is off until then)."""
    return get_db().fetch_one("SELECT id FROM api_keys LIMIT 1", ()) is not None


def revoke(key_id: str, now: int) -> bool:
    """Revoke the key (once); True if this call did it."""
    return (
        get_db().execute(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, key_id)
        )
        == 1
    )


def touch(key_id: str, now: int) -> None:
    """Note that the key was used now (at most once a TOUCH_EVERY seconds)."""
    get_db().execute(
        "UPDATE api_keys SET last_used_at = ? WHERE id = ? "
        "AND (last_used_at IS NULL OR last_used_at < ?)",
        (now, key_id, now - TOUCH_EVERY),
    )
