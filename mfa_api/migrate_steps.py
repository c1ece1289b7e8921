"""Upgrade steps SQL cannot take alone (they need the keys), run by migrate.upgrade right after
their version's SQL, in its transaction; each is safe to run again."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from cryptography.fernet import Fernet, MultiFernet

from .db import Database
from .security import crypto, otp

log = logging.getLogger(__name__)

# Set (by `init-db --drop-unreadable-backup-codes`) in the mapping a step is given: codes whose
# copy no key opens are dropped instead of stopping the upgrade.
DROP_UNREADABLE_BACKUP_CODES = "drop_unreadable_backup_codes"


class UpgradeRefused(RuntimeError):
    """A step cannot finish without losing data: nothing of its version was applied."""


def rehash_backup_codes(db: Database, config: Mapping) -> None:
    """010: backup codes were found by an HMAC keyed from SECRET_KEY (changing it killed them)
    and kept as encrypted copies; recompute each hash, unkeyed, from its copy (011 then drops
    the copies). A code the old key had already killed comes back. A copy no key opens stops
    the upgrade, unless asked to drop such codes (their users make a new set)."""
    rows = db.fetch_all("SELECT id, user_id, code_encrypted FROM backup_codes", ())
    ring = _backup_copy_ring(config) if rows else None
    dropped_for = set()
    for row in rows:
        try:
            code = crypto.decrypt(ring, row["code_encrypted"])
        except crypto.UnreadableSecret as exc:
            if not config.get(DROP_UNREADABLE_BACKUP_CODES):
                raise UpgradeRefused(
                    f"backup_codes id {row['id']}: {exc}; put the key it was written with back "
                    "in ENCRYPTION_KEYS (or SECRET_KEY) and run init-db again, or, if that key "
                    "is lost, run init-db --drop-unreadable-backup-codes"
                ) from exc
            db.execute("DELETE FROM backup_codes WHERE id = ?", (row["id"],))
            dropped_for.add(row["user_id"])
            continue
        db.execute(
            "UPDATE backup_codes SET code_hash = ? WHERE id = ?",
            (otp.backup_code_hash(code), row["id"]),
        )
    if dropped_for:
        log.warning(
            "dropped the backup codes no key opens, of users %s: they make a new set",
            ", ".join(str(user_id) for user_id in sorted(dropped_for)),
        )


def _backup_copy_ring(config: Mapping) -> MultiFernet | None:
    """Every key a backup-code copy was written under: the ring, the older ENCRYPTION_KEY, and
    the key derived from SECRET_KEY used when no key was set."""
    ring = [Fernet(key) for key in config.get("ENCRYPTION_KEYS") or []]
    if config.get("ENCRYPTION_KEY"):
        ring.append(crypto.fernet_for(config["ENCRYPTION_KEY"]))
    if config.get("SECRET_KEY"):
        ring.append(crypto.fernet_for(crypto.derive_key(config["SECRET_KEY"], "backup-copy")))
    return MultiFernet(ring) if ring else None


def keep_webauthn_handles(db: Database, config: Mapping) -> None:
    """012: a user's WebAuthn handle was an HMAC of their id keyed from SECRET_KEY; store it for
    every user who has passkeys, so that authenticators keep seeing the same one after a key
    change (users without passkeys get a random one at their first)."""
    rows = db.fetch_all(
        "SELECT DISTINCT user_id FROM passkeys WHERE user_id IN "
        "(SELECT id FROM users WHERE webauthn_handle IS NULL)",
        (),
    )
    if rows and not config.get("SECRET_KEY"):
        raise UpgradeRefused("passkeys to carry over, but no SECRET_KEY: run flask init-db")
    key = crypto.derive_key(config["SECRET_KEY"], "webauthn-user") if rows else b""
    for row in rows:
        db.execute(
            "UPDATE users SET webauthn_handle = ? WHERE id = ? AND webauthn_handle IS NULL",
            (crypto.keyed_hash(key, str(row["user_id"])), row["user_id"]),
        )


STEPS: dict[int, Callable[[Database, Mapping], None]] = {
    10: rehash_backup_codes,
    12: keep_webauthn_handles,
}
