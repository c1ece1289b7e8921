"""The `users` table: verified accounts, their login OTP and their TOTP state."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import get_db

_COLUMNS = (
    "id, names, email, phone, password, is_verified, auth_code, otp, trials, otp_expires_at, "
    "totp_last_step, twofa_enabled, token_version, otp_purpose, otp_client, verified_phone"
)


@dataclass(frozen=True)
class User:
    """A verified user."""

    id: int
    names: str
    email: str
    phone: str
    password_hash: str
    is_verified: bool
    totp_secret: str
    otp_hash: str
    failed_attempts: int
    otp_expires_at: int | None
    totp_last_step: int | None
    twofa_enabled: bool
    token_version: int
    otp_purpose: str
    otp_client: str
    verified_phone: str | None


def _user(row: dict | None) -> User | None:
    if row is None:
        return None
    return User(
        id=row["id"],
        names=row["names"],
        email=row["email"],
        phone=row["phone"],
        password_hash=row["password"],
        is_verified=bool(row["is_verified"]),
        totp_secret=row["auth_code"],
        otp_hash=row["otp"],
        failed_attempts=row["trials"],
        otp_expires_at=row["otp_expires_at"],
        totp_last_step=row["totp_last_step"],
        twofa_enabled=bool(row["twofa_enabled"]),
        token_version=row["token_version"],
        otp_purpose=row["otp_purpose"],
        otp_client=row["otp_client"],
        verified_phone=row["verified_phone"],
    )


def find_by_email(email: str) -> User | None:
    """The user with this (lower-case) email, or None."""
    return _user(get_db().fetch_one(f"SELECT {_COLUMNS} FROM users WHERE email = ?", (email,)))


def find_by_id(user_id: int) -> User | None:
    """The user with this id, or None."""
    return _user(get_db().fetch_one(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,)))


def email_or_phone_taken(email: str, phone: str) -> bool:
    """True when a user already has this email, or has proven this phone is theirs."""
    row = get_db().fetch_one(
        "SELECT id FROM users WHERE email = ? OR verified_phone = ? LIMIT 1", (email, phone)
    )
    return row is not None


def phone_verified_by_other(phone: str, user_id: int) -> bool:
    """True when another user has proven this phone is theirs."""
    row = get_db().fetch_one(
        "SELECT id FROM users WHERE verified_phone = ? AND id <> ? LIMIT 1", (phone, user_id)
    )
    return row is not None


def create_verified(
    *, names: str, email: str, phone: str, password_hash: str, totp_secret: str, totp_step: int
) -> int:
    """Insert a verified user with 2FA on and the TOTP step that proved it used up; its id."""
    return get_db().insert(
        "INSERT INTO users (names, email, phone, password, is_verified, auth_code, otp, trials, "
        "totp_last_step, twofa_enabled, token_version) VALUES (?, ?, ?, ?, 1, ?, '', 0, ?, 1, 0)",
        (names, email, phone, password_hash, totp_secret, totp_step),
    )


def set_password_hash(user_id: int, password_hash: str) -> None:
    """Replace a user's password hash."""
    get_db().execute("UPDATE users SET password = ? WHERE id = ?", (password_hash, user_id))


def issue_email_otp(
    user_id: int, otp_hash: str, expires_at: int, *, purpose: str, client: str
) -> None:
    """Make otp_hash the user's one outstanding code, for purpose, asked for by client."""
    get_db().execute(
        "UPDATE users SET otp = ?, otp_expires_at = ?, trials = 0, otp_purpose = ?, "
        "otp_client = ? WHERE id = ?",
        (otp_hash, expires_at, purpose, client, user_id),
    )


def reserve_code_try(user_id: int, otp_hash: str, max_attempts: int) -> bool:
    """Count a try at the outstanding code before it is checked; False when it is worn out
    (or is no longer that code)."""
    changed = get_db().execute(
        "UPDATE users SET trials = trials + 1 WHERE id = ? AND otp = ? AND otp <> '' "
        "AND trials < ?",
        (user_id, otp_hash, max_attempts),
    )
    return changed == 1


def use_email_otp(user_id: int, otp_hash: str, *, now: int, totp_step: int | None) -> bool:
    """Use up the outstanding OTP (and the TOTP step, if given); True only for the one winner.

    One conditional UPDATE decides, so two racing requests can never both succeed.
    """
    sql = (
        "UPDATE users SET otp = '', otp_expires_at = NULL, trials = 0{step_set} "
        "WHERE id = ? AND otp = ? AND otp <> '' AND otp_expires_at >= ?{step_cond}"
    )
    params: tuple = (user_id, otp_hash, now)
    if totp_step is None:
        sql = sql.format(step_set="", step_cond="")
    else:
        sql = sql.format(
            step_set=", totp_last_step = ?",
            step_cond=" AND (totp_last_step IS NULL OR totp_last_step < ?)",
        )
        params = (totp_step, *params, totp_step)
    return get_db().execute(sql, params) == 1


def use_totp_step(user_id: int, step: int) -> bool:
    """Record step as the user's last TOTP step; False if it (or a later one) was already used."""
    changed = get_db().execute(
        "UPDATE users SET totp_last_step = ? "
        "WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
        (step, user_id, step),
    )
    return changed == 1


def enable_twofa(user_id: int, sealed_secret: str, last_step: int | None) -> None:
    """Turn 2FA on with a new (possibly encrypted) secret; every earlier token stops working."""
    get_db().execute(
        "UPDATE users SET auth_code = ?, twofa_enabled = 1, totp_last_step = ?, "
        "token_version = token_version + 1 WHERE id = ?",
        (sealed_secret, last_step, user_id),
    )


def revoke_tokens(user_id: int) -> None:
    """Make every token issued to the user so far stop working."""
    get_db().execute("UPDATE users SET token_version = token_version + 1 WHERE id = ?", (user_id,))


def set_verified_phone(user_id: int, phone: str) -> None:
    """Record a phone the user proved is theirs (IntegrityError if another user did first)."""
    get_db().execute(
        "UPDATE users SET phone = ?, verified_phone = ? WHERE id = ?", (phone, phone, user_id)
    )


def disable_twofa_and_codes(user_id: int) -> None:
    """Turn 2FA off and drop the user's backup codes and passkeys (call inside a
    transaction)."""
    get_db().execute("DELETE FROM backup_codes WHERE user_id = ?", (user_id,))
    get_db().execute("DELETE FROM passkeys WHERE user_id = ?", (user_id,))
    disable_twofa(user_id)


def disable_twofa(user_id: int) -> None:
    """Turn 2FA off, forget the secret, and make every earlier token stop working."""
    get_db().execute(
        "UPDATE users SET auth_code = '', twofa_enabled = 0, totp_last_step = NULL, "
        "token_version = token_version + 1 WHERE id = ?",
        (user_id,),
    )


def change_password(user_id: int, password_hash: str) -> None:
    """Set a new password hash and make every earlier token stop working."""
    get_db().execute(
        "UPDATE users SET password = ?, token_version = token_version + 1 WHERE id = ?",
        (password_hash, user_id),
    )


def webauthn_handle(user_id: int, new: str) -> str:
    """The user's WebAuthn user handle (hex), made `new` if they have none yet."""
    db = get_db()
    db.execute(
        "UPDATE users SET webauthn_handle = ? WHERE id = ? AND webauthn_handle IS NULL",
        (new, user_id),
    )
    row = db.fetch_one("SELECT webauthn_handle FROM users WHERE id = ?", (user_id,))
    return row["webauthn_handle"]


def webauthn_handle_of(user_id: int) -> str | None:
    """The user's WebAuthn user handle (hex), or None when none was made yet (a read only)."""
    row = get_db().fetch_one("SELECT webauthn_handle FROM users WHERE id = ?", (user_id,))
    return None if row is None else row["webauthn_handle"]


def delete(user_id: int) -> None:
    """Delete the user and every row of theirs, audit trail included (explicitly: the FKs
    cascade, but only if on, and the trail has none)."""
    db = get_db()
    db.execute("DELETE FROM backup_codes WHERE user_id = ?", (user_id,))
    db.execute("DELETE FROM remembered_devices WHERE user_id = ?", (user_id,))
    db.execute("DELETE FROM passkeys WHERE user_id = ?", (user_id,))
    db.execute("DELETE FROM auth_challenges WHERE user_id = ?", (user_id,))
    db.execute("DELETE FROM otp_settings WHERE user_id = ?", (user_id,))
    db.execute("DELETE FROM security_events WHERE user_id = ?", (user_id,))
    db.execute("DELETE FROM users WHERE id = ?", (user_id,))
