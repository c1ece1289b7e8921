"""Secrets sealed at rest (TOTP seeds): opening one, and what to say when no
key opens it."""

from __future__ import annotations

import logging

from cryptography.fernet import MultiFernet

from ..errors import ServiceUnavailable
from ..security import crypto

log = logging.getLogger(__name__)

UNREADABLE = "A stored secret cannot be read; the operator must check ENCRYPTION_KEYS"


def open_sealed(ring: MultiFernet | None, stored: str, where: str) -> str:
    """The plaintext of a stored value; 503 (and a log line naming where it is) when no key of
    the ring opens it, never a 500."""
    try:
        return crypto.decrypt(ring, stored)
    except crypto.UnreadableSecret as exc:
        log.error("Cannot read the secret in %s: %s (a key is missing from the ring)", where, exc)
        raise ServiceUnavailable(UNREADABLE) from exc
