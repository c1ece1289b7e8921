"""The `waiting_users` table: registrations waiting for their codes."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import get_db

_COLUMNS = "waiting_id, names, email, phone, password, email_otp, auth_code, otp_expires_at, trials"


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
    )


def find_by_email(email: str) -> PendingUser | None:
    """The pending registration for this (lower-case) email, or None."""
    row = get_db().fetch_one(f"SELECT {_COLUMNS} FROM waiting_users WHERE email = ?", (email,))
    return _pending(row)


def replace(
    *,
    names: str,
    email: str,
    phone: str,
    password_hash: str,
    otp_hash: str,
    totp_secret: str,
    otp_expires_at: int,
) -> int:
    """Start a registration over: drop any pending one with this email or phone, insert this one.

    Call inside a transaction, so that a failure leaves the earlier registration in place.
    """
    db = get_db()
    db.execute("DELETE FROM waiting_users WHERE email = ? OR phone = ?", (email, phone))
    return db.insert(
        "INSERT INTO waiting_users (names, email, phone, password, email_otp, phone_otp, "
        "auth_code, otp_expires_at, trials) VALUES (?, ?, ?, ?, ?, '', ?, ?, 0)",
        (names, email, phone, password_hash, otp_hash, totp_secret, otp_expires_at),
    )


def count_failed_attempt(pending_id: int, otp_hash: str) -> None:
    """Count one failed code against the registration's OTP (if it is still that one)."""
    get_db().execute(
        "UPDATE waiting_users SET trials = trials + 1 WHERE waiting_id = ? AND email_otp = ?",
        (pending_id, otp_hash),
    )


def take(pending_id: int, otp_hash: str, *, now: int, max_attempts: int) -> bool:
    """Remove the registration if its OTP is still this one, unexpired and not worn out.

    True only for the one request that removed it: this is the race's single decision.
    """
    return (
        get_db().execute(
            "DELETE FROM waiting_users WHERE waiting_id = ? AND email_otp = ? "
            "AND otp_expires_at >= ? AND trials < ?",
            (pending_id, otp_hash, now, max_attempts),
        )
        == 1
    )
