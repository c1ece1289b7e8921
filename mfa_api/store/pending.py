"""The `waiting_users` table: registrations waiting for their codes."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import get_db

_COLUMNS = (
    "waiting_id, names, email, phone, password, email_otp, auth_code, otp_expires_at, trials, "
    "otp_client"
)
REGISTER = "register"  # the purpose of every code a pending registration holds
SWEEP_BATCH = 100


@dataclass(frozen=True)
class PendingUser:
    """A registration that has not been verified yet."""

    id: int
    names: str
    email: str
    phone: str
    password_hash: str
    otp_hash: str
    totp_secret: str
    otp_expires_at: int | None
    failed_attempts: int
    otp_client: str
    otp_purpose: str = REGISTER


def _pending(row: dict | None) -> PendingUser | None:
    if row is None:
        return None
    return PendingUser(
        id=row["waiting_id"],
        names=row["names"],
        email=row["email"],
        phone=row["phone"],
        password_hash=row["password"],
        otp_hash=row["email_otp"],
        totp_secret=row["auth_code"],
        otp_expires_at=row["otp_expires_at"],
        failed_attempts=row["trials"],
        otp_client=row["otp_client"],
    )


def for_email(email: str) -> list[PendingUser]:
    """Every pending sign-up for this email (one per client that started one), oldest first:
    by when its code expires (set once, at the start), as on a Galera cluster ids interleave."""
    rows = get_db().fetch_all(
        f"SELECT {_COLUMNS} FROM waiting_users WHERE email = ? ORDER BY otp_expires_at, waiting_id",
        (email,),
    )
    return [_pending(row) for row in rows]


def exists(email: str) -> bool:
    """True when some sign-up for this email is pending."""
    row = get_db().fetch_one("SELECT 1 AS x FROM waiting_users WHERE email = ?", (email,))
    return row is not None


def replace(
    *,
    names: str,
    email: str,
    phone: str,
    password_hash: str,
    otp_hash: str,
    totp_secret: str,
    otp_expires_at: int,
    client: str,
) -> int:
    """Start a client's sign-up for an email over: drop the one it had pending, insert this one.

    Only that client's: another client's sign-up for the same email (its owner's, maybe) and
    any sign-up with the same phone (a claim, not a key) stay as they are. Call inside a
    transaction, so that a failure leaves the earlier registration in place.
    """
    db = get_db()
    db.execute("DELETE FROM waiting_users WHERE email = ? AND otp_client = ?", (email, client))
    return db.insert(
        "INSERT INTO waiting_users (names, email, phone, password, email_otp, phone_otp, "
        "auth_code, otp_expires_at, trials, otp_client) VALUES (?, ?, ?, ?, ?, '', ?, ?, 0, ?)",
        (names, email, phone, password_hash, otp_hash, totp_secret, otp_expires_at, client),
    )


def reserve_code_try(pending_id: int, otp_hash: str, max_attempts: int) -> bool:
    """Count a try at the registration's code before it is checked; False when worn out."""
    changed = get_db().execute(
        "UPDATE waiting_users SET trials = trials + 1 WHERE waiting_id = ? AND email_otp = ? "
        "AND trials < ?",
        (pending_id, otp_hash, max_attempts),
    )
    return changed == 1


def take(pending_id: int, otp_hash: str, *, now: int) -> bool:
    """Remove the registration if its OTP is still this one and unexpired.

    True only for the one request that removed it: this is the race's single decision.
    """
    return (
        get_db().execute(
            "DELETE FROM waiting_users WHERE waiting_id = ? AND email_otp = ? "
            "AND otp_expires_at >= ?",
            (pending_id, otp_hash, now),
        )
        == 1
    )


def delete_for_email(email: str) -> None:
    """Drop every pending sign-up for this email (its account now exists)."""
    get_db().execute("DELETE FROM waiting_users WHERE email = ?", (email,))


def sweep_expired(before: int, batch: int = SWEEP_BATCH) -> int:
    """Drop a batch of the sign-ups whose code expired before `before`; how many went."""
    return get_db().delete_oldest("waiting_users", "otp_expires_at", before, batch)
