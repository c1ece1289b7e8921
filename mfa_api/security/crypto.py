"""Keyed hashes and encryption at rest: a leaked table does not give codes or secrets up."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def derive_key(master: str | bytes, purpose: str) -> bytes:
    """Derive an independent 32-byte key for one purpose from the server's master secret."""
    if isinstance(master, str):
        master = master.encode()
    return hmac.new(master, b"mfa-api:" + purpose.encode(), hashlib.sha256).digest()


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of value under key, as 64 hex characters."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def random_token_hash(purpose: str, value: str) -> str:
    """SHA-256 of a random token (a backup code, a device token), domain-separated by purpose,
    as 64 hex characters; unkeyed, so that it outlives a change of SECRET_KEY.

    A key adds nothing here: the values hashed are drawn at random with 80 bits or more (a
    backup code: 16 characters of Crockford's base32; a device token: 256 bits), so a leaked
    table costs an offline attacker ~2^79 hashes per value whether or not a key went in. A
    key only helps values guessable from a small space (6-digit codes: keyed_hash).
    """
    return hashlib.sha256(b"mfa-api:" + purpose.encode() + b"\0" + value.encode()).hexdigest()


def same_hash(expected: str, candidate: str) -> bool:
    """Compare two stored hashes in constant time."""
    return hmac.compare_digest(expected.encode(), candidate.encode())


ENCRYPTED_PREFIX = "enc:"


class UnreadableSecret(ValueError):
    """A stored value is encrypted, and no key of the ring opens it."""


def new_fernet_key() -> str:
    """A new random key for the ring (ENCRYPTION_KEYS)."""
    return Fernet.generate_key().decode()


def fernet_for(key_material: str | bytes) -> Fernet:
    """A Fernet cipher keyed from any secret string (the older ENCRYPTION_KEY, a derived key)."""
    if isinstance(key_material, str):
        key_material = key_material.encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key_material).digest()))


def encrypt(ring: MultiFernet, plaintext: str) -> str:
    """plaintext encrypted under the ring's newest key, and marked (unmarked values are plain)."""
    return ENCRYPTED_PREFIX + ring.encrypt(plaintext.encode()).decode()


def decrypt(ring: MultiFernet | None, stored: str) -> str:
    """The plaintext of a stored value: decrypted with any key of the ring when marked, as is
    when not (rows written before encryption)."""
    if not stored.startswith(ENCRYPTED_PREFIX):
        return stored
    if ring is None:
        raise UnreadableSecret("the value is encrypted but no encryption key is set")
    try:
        return ring.decrypt(stored[len(ENCRYPTED_PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise UnreadableSecret("no key of ENCRYPTION_KEYS opens the value") from exc


def under_newest(ring: MultiFernet, newest: Fernet, stored: str) -> bool:
    """True when stored is encrypted under the ring's newest key (nothing to rotate)."""
    if not stored.startswith(ENCRYPTED_PREFIX):
        return False
    try:
        newest.decrypt(stored[len(ENCRYPTED_PREFIX) :].encode())
    except InvalidToken:
        return False
    return True
