"""The `remembered_devices` table: clients that may skip the second step, by a keyed hash of
their token."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import get_db

_COLUMNS = "id, user_id, token_version, label, created_at, last_used_at, expires_at"
PURGE_BATCH = 100


@dataclass(frozen=True)
class Device:
    """A remembered device (never its token)."""

    id: int
    user_id: int
    token_version: int
    label: str
    created_at: int
    last_used_at: int
    expires_at: int


def add(user_id: int, token_hash: str, token_version: int, label: str, now: int, ttl: int) -> None:
    """Remember a device for the user under their current token version."""
    get_db().execute(
        "INSERT INTO remembered_devices (user_id, token_hash, token_version, label, created_at, "
        "last_used_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (user_id, token_hash, token_version, label, now, now, now + ttl),
    )


def find(token_hash: str) -> Device | None:
    """The device with this token hash, whatever its state."""
    row = get_db().fetch_one(
        f"SELECT {_COLUMNS} FROM remembered_devices WHERE token_hash = ?",  # noqa: S608
        (token_hash,),
    )
    return None if row is None else Device(**row)


def rehash(device_id: int, old_hash: str, new_hash: str) -> None:
    """Store the device under new_hash, unless another request moved it first."""
    get_db().execute(
        "UPDATE remembered_devices SET token_hash = ? WHERE id = ? AND token_hash = ?",
        (new_hash, device_id, old_hash),
    )


def touch(device_id: int, now: int) -> None:
    """Record that the device was just used."""
    get_db().execute(
        "UPDATE remembered_devices SET last_used_at = ? WHERE id = ?", (now, device_id)
    )


def of_user(user_id: int, token_version: int, now: int) -> list[Device]:
    """The user's devices that still answer, most recently used first."""
    rows = get_db().fetch_all(
        f"SELECT {_COLUMNS} FROM remembered_devices "  # noqa: S608
        "WHERE user_id = ? AND token_version = ? AND expires_at > ? "
        "ORDER BY last_used_at DESC, id DESC",
        (user_id, token_version, now),
    )
    return [Device(**row) for row in rows]


def forget(user_id: int, device_id: int) -> bool:
    """Forget one of the user's devices; False when they have none by that id."""
    changed = get_db().execute(
        "DELETE FROM remembered_devices WHERE id = ? AND user_id = ?", (device_id, user_id)
    )
    return changed == 1


def forget_all(user_id: int) -> None:
    """Forget every device of the user's."""
    get_db().execute("DELETE FROM remembered_devices WHERE user_id = ?", (user_id,))


def forget_dead(user_id: int, token_version: int, now: int) -> None:
    """Forget the user's devices that no longer answer (expired, or of an older version)."""
    get_db().execute(
        "DELETE FROM remembered_devices WHERE user_id = ? "
        "AND (token_version <> ? OR expires_at <= ?)",
        (user_id, token_version, now),
    )


def purge(now: int, batch: int = PURGE_BATCH) -> int:
    """Drop a batch of expired devices; how many went."""
    return get_db().delete_oldest("remembered_devices", "expires_at", now, batch)
