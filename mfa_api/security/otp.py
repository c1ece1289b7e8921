"""One-time codes: TOTP (RFC 6238) with replay protection, and emailed 6-digit codes."""

from __future__ import annotations

import base64
import hmac
import secrets
from urllib.parse import quote

import pyotp

from . import crypto

TOTP_PERIOD = 30
TOTP_DIGITS = 6
TOTP_WINDOW = 1  # steps accepted either side of now, for clock drift
DRIFT_REACH = 10  # steps either side (5 minutes) within which a refused code is explained
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends
LEGACY_MIN_SECRET_BYTES = 10  # mfa-php's Google2FA made 80-bit secrets; its users keep them


class _TOTP(pyotp.TOTP):
    """pyotp's TOTP, accepting the 80-bit secrets mfa-php issued (pyotp wants 112 bits).

    New secrets are always 160 bits; the lower floor exists only so existing users keep working.
    """

    def byte_secret(self) -> bytes:
        """The decoded secret; at least 80 bits."""
        secret = self.secret.strip().replace(" ", "").upper()
        decoded = base64.b32decode(secret + "=" * (-len(secret) % 8))
        if len(decoded) < LEGACY_MIN_SECRET_BYTES:
            raise ValueError("TOTP secret shorter than 80 bits")
        return decoded


def is_six_digits(code: str) -> bool:
    """True for a code shaped like a TOTP or mailed code (not a backup code)."""
    return len(code) == TOTP_DIGITS and code.isascii() and code.isdigit()


def new_totp_secret() -> str:
    """A new random base32 TOTP secret of 160 bits."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_email_code() -> str:
    """A new random 6-digit code, leading zeros kept."""
    return f"{secrets.randbelow(10**TOTP_DIGITS):0{TOTP_DIGITS}d}"


def totp_code(secret: str, at: int) -> str:
    """The TOTP code of secret at Unix time `at`."""
    return _TOTP(secret).generate_otp(at // TOTP_PERIOD)


def matching_totp_step(secret: str, code: str, now: int, last_step: int | None) -> int | None:
    """The time step within ±1 of now whose code is `code` and is later than last_step, or None.

    Remembering the last accepted step (and passing it back in) is what stops a replay.
    A stored secret that is not valid base32 matches nothing.
    """
    try:
        totp = _TOTP(secret)
    except ValueError:
        return None
    current = now // TOTP_PERIOD
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def totp_offsets(secret: str, code: str, now: int, reach: int = DRIFT_REACH) -> list[int]:
    """Every offset from now's step (within ±reach) whose code is `code`, nearest first (0, -1,
    1, -2, ...): one pass that serves both to accept a code (an offset within ±TOTP_WINDOW) and
    to explain its refusal (the nearest). A secret that is not valid base32 matches nothing."""
    try:
        totp = _TOTP(secret)
    except ValueError:
        return []
    current = now // TOTP_PERIOD
    offsets = sorted(range(-reach, reach + 1), key=abs)
    return [o for o in offsets if hmac.compare_digest(totp.generate_otp(current + o), code)]


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI for authenticator apps, encoded as mfa-php's getQRCodeUrl wrote it."""
    label_issuer = quote(issuer, safe="")
    return (
        f"otpauth://totp/{label_issuer}:{quote(account, safe='')}?secret={secret}"
        f"&issuer={label_issuer}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_PERIOD}"
    )


# Backup codes: Crockford's base32 (no I, L, O or U), so 16 characters carry 80 bits.
BACKUP_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BACKUP_LENGTH = 16
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_backup_code() -> str:
    """A new random backup code, grouped for reading: ABCD-EFGH-JKMN-PQRS."""
    raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(BACKUP_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, BACKUP_LENGTH, 4))


def backup_code_hash(code: str) -> str:
    """The hash a canonical backup code is stored and found by (unkeyed: see
    crypto.random_token_hash)."""
    return crypto.random_token_hash("backup-code", code)


def normalize_backup_code(typed: str) -> str | None:
    """The canonical form of a typed code (any case, dashes or spaces); None if it cannot be one."""
    raw = "".join(typed.split()).replace("-", "").upper().translate(_LOOK_ALIKES)
    if len(raw) != BACKUP_LENGTH or any(c not in BACKUP_ALPHABET for c in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, BACKUP_LENGTH, 4))
