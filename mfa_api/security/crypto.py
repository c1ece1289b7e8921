"""Keyed hashes and encryption at rest: a leaked table does not give codes or secrets up."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


def derive_key(master: str | bytes, purpose: str) -> bytes:
    """Derive an independent 32-byte key for one purpose from the server's master secret."""
    if isinstance(master, str):
        master = master.encode()
    return hmac.new(master, b"mfa-api:" + purpose.encode(), hashlib.sha256).digest()


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of value under key, as 64 hex characters."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def same_hash(expected: str, candidate: str) -> bool:
    """Compare two stored hashes in constant time."""
    return hmac.compare_digest(expected.encode(), candidate.encode())


ENCRYPTED_PREFIX = "enc:"


def fernet_for(key_material: str | bytes) -> Fernet:
    """A Fernet cipher keyed from any secret string (ENCRYPTION_KEY, or a derived key)."""
    if isinstance(key_material, str):
        key_material = key_material.encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key_material).digest()))


def encrypt(cipher: Fernet, plaintext: str) -> str:
    """plaintext encrypted and marked, so that rows written before encryption still read."""
    return ENCRYPTED_PREFIX + cipher.encrypt(plaintext.encode()).decode()


def decrypt(cipher: Fernet | None, stored: str) -> str:
    """The plaintext of a stored value: decrypted when marked, as is when not."""
    if not stored.startswith(ENCRYPTED_PREFIX):
        return stored
    if cipher is None:
        raise ValueError("value is encrypted but no ENCRYPTION_KEY is set")
    try:
        return cipher.decrypt(stored[len(ENCRYPTED_PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ValueError("value was encrypted with another key") from exc
