"""Keyed hashes: codes are stored so that a leaked table does not give them up."""

from __future__ import annotations

import hashlib
import hmac


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
