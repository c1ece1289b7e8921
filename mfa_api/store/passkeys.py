"""The `passkeys` table: a user's WebAuthn credentials, the signature counter last seen, and
whether one is suspended (a copy of it may exist).

The UPDATEs whose row count decides a use (count_use, suspend) change every row they match, so
MariaDB's count of changed rows and SQLite's of matched rows agree."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import get_db

_COLUMNS = (
    "id, user_id, credential_id, public_key, sign_count, name, created_at, last_used_at, "
    "suspended_at, user_verified, discoverable"
)


@dataclass(frozen=True)
class Passkey:
    """A registered credential (its public key only: the private one never leaves the
    authenticator)."""

    id: int
    user_id: int
    credential_id: str  # base64url
    public_key: str  # base64url of the COSE key
    sign_count: int
    name: str
    created_at: int
    last_used_at: int | None
    suspended_at: int | None = None
    user_verified: int = 0  # 1: the user was verified at its creation (it may sign in alone)
    discoverable: int | None = None  # 1 or 0 as the browser said (credProps), None: not said

    @property
    def suspended(self) -> bool:
        """True once its counter failed to move forward, until it is removed."""
        return self.suspended_at is not None


def add(
    user_id: int,
    credential_id: str,
    public_key: str,
    sign_count: int,
    name: str,
    now: int,
    *,
    user_verified: bool = False,
    discoverable: bool | None = None,
) -> int:
    """Store a new credential (IntegrityError when its id is registered already); its id."""
    return get_db().insert(
        "INSERT INTO passkeys (user_id, credential_id, public_key, sign_count, name, created_at, "
        "user_verified, discoverable) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            user_id,
            credential_id,
            public_key,
            sign_count,
            name,
            now,
            int(user_verified),
            None if discoverable is None else int(discoverable),
        ),
    )


def of_user(user_id: int) -> list[Passkey]:
    """The user's credentials, oldest first (by time: on a Galera cluster ids interleave)."""
    rows = get_db().fetch_all(
        f"SELECT {_COLUMNS} FROM passkeys WHERE user_id = ? ORDER BY created_at, id",  # noqa: S608
        (user_id,),
    )
    return [Passkey(**row) for row in rows]


def signing_in_alone(email: str) -> list[Passkey]:
    """The passkeys that may sign in alone (made with user verification, not suspended) of the
    verified account with this (lower-case) email, oldest first: one query whether or not the
    account exists, so the time taken does not tell."""
    columns = ", ".join(f"p.{c.strip()}" for c in _COLUMNS.split(","))
    rows = get_db().fetch_all(
        f"SELECT {columns} FROM passkeys p JOIN users u ON u.id = p.user_id "  # noqa: S608
        "WHERE u.email = ? AND u.is_verified = 1 AND p.user_verified = 1 "
        "AND p.suspended_at IS NULL ORDER BY p.created_at, p.id",
        (email,),
    )
    return [Passkey(**row) for row in rows]


def find(user_id: int, credential_id: str) -> Passkey | None:
    """The user's credential with this id, if they have it."""
    row = get_db().fetch_one(
        f"SELECT {_COLUMNS} FROM passkeys WHERE credential_id = ? AND user_id = ?",  # noqa: S608
        (credential_id, user_id),
    )
    return None if row is None else Passkey(**row)


def find_any(credential_id: str) -> Passkey | None:
    """The credential with this id, whoever holds it (ids are unique across users)."""
    row = get_db().fetch_one(
        f"SELECT {_COLUMNS} FROM passkeys WHERE credential_id = ?",  # noqa: S608
        (credential_id,),
    )
    return None if row is None else Passkey(**row)


def count_use(passkey_id: int, new: int, now: int) -> bool:
    """Record a use whose counter moved forward past the one stored; False when it did not (a
    concurrent use came first at this counter, or a copy is in use) or the passkey is
    suspended."""
    changed = get_db().execute(
        "UPDATE passkeys SET sign_count = ?, last_used_at = ? "
        "WHERE id = ? AND sign_count < ? AND suspended_at IS NULL",
        (new, now, passkey_id, new),
    )
    return changed == 1


def count_use_without_counter(passkey_id: int, now: int) -> bool:
    """Record a use of a passkey whose authenticator keeps no counter (it stays 0); False when
    it has one after all, or is suspended."""
    db = get_db()
    usable = "id = ? AND sign_count = 0 AND suspended_at IS NULL"
    # Uses within one second change nothing, and MariaDB may count no row: the SELECT decides.
    db.execute(f"UPDATE passkeys SET last_used_at = ? WHERE {usable}", (now, passkey_id))  # noqa: S608
    return db.fetch_one(f"SELECT id FROM passkeys WHERE {usable}", (passkey_id,)) is not None  # noqa: S608


def suspend(passkey_id: int, now: int) -> bool:
    """Suspend a passkey; True for the one call that did (any other finds it suspended or
    gone)."""
    changed = get_db().execute(
        "UPDATE passkeys SET suspended_at = ? WHERE id = ? AND suspended_at IS NULL",
        (now, passkey_id),
    )
    return changed == 1


def rename(user_id: int, passkey_id: int, name: str) -> bool:
    """Rename one of the user's credentials; False when they have none by that id."""
    changed = get_db().execute(
        "UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?", (name, passkey_id, user_id)
    )
    return changed == 1


def remove(user_id: int, passkey_id: int) -> bool:
    """Delete one of the user's credentials; False when they have none by that id."""
    changed = get_db().execute(
        "DELETE FROM passkeys WHERE id = ? AND user_id = ?", (passkey_id, user_id)
    )
    return changed == 1
