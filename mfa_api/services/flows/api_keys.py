"""Keys of the admin API: made, listed, revoked from the host's shell; checked on each request.

A key reads `mfa_ak_<id>_<secret>`: the id (8 hex characters) names its row, the secret is 32
random bytes (urlsafe base64). Only an unkeyed, domain-separated SHA-256 of the secret is kept
(crypto.random_token_hash, docs/keys.md): 256 random bits need no key, and the hashes outlive a
change of SECRET_KEY."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from ...db import IntegrityError
from ...errors import InvalidInput, NotFound
from ...security import crypto
from ...store import api_keys
from ...store.api_keys import ApiKey

PREFIX = "mfa_ak_"
SCOPES = ("users:read", "users:write", "events:read")
HASH_PURPOSE = "admin-api-key"
MAX_NAME = 100
_SHAPE = re.compile(r"^mfa_ak_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Refusal:
    """Why a presented key is not taken, and which key it named (if any)."""

    reason: str  # malformed, unknown, wrong, revoked, expired
    key: ApiKey | None = None


def create(name: str, scopes: list[str], expires_days: int | None, now: int) -> tuple[ApiKey, str]:
    """A new key: its row and the whole key, to be shown once."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"The name must be 1 to {MAX_NAME} characters")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput(f"Scopes are some of {', '.join(SCOPES)} (not {', '.join(unknown)})")
    if expires_days is not None and expires_days < 1:
        raise InvalidInput("--expires-days must be 1 or more")
    expires_at = None if expires_days is None else now + expires_days * 86400
    for _ in range(5):  # 32-bit ids: a clash is rare, and only costs a new draw
        key_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
        key = ApiKey(
            id=key_id,
            name=name,
            scopes=tuple(s for s in SCOPES if s in scopes),
            secret_hash=crypto.random_token_hash(HASH_PURPOSE, secret),
            created_at=now,
            expires_at=expires_at,
            last_used_at=None,
            revoked_at=None,
        )
        try:
            api_keys.add(key)
        except IntegrityError:
            continue
        return key, f"{PREFIX}{key_id}_{secret}"
    raise InvalidInput("Could not draw a free key id; try again")


def listed() -> list[ApiKey]:
    """Every key, revoked and expired ones included."""
    return api_keys.every()


def revoke(key_id: str, now: int) -> None:
    """Make a key stop working at once (NotFound when no such key, or already revoked)."""
    if not api_keys.revoke(key_id, now):
        raise NotFound(f"No key {key_id!r} that is not revoked already")


def check(presented: str, now: int) -> ApiKey | Refusal:
    """The key presented, if it is one of ours, unrevoked and unexpired; else why not."""
    match = _SHAPE.match(presented)
    if match is None:
        return Refusal("malformed")
    key = api_keys.find(match.group(1))
    if key is None:
        return Refusal("unknown")
    candidate = crypto.random_token_hash(HASH_PURPOSE, match.group(2))
    if not crypto.same_hash(key.secret_hash, candidate):
        return Refusal("wrong", key)
    if key.revoked_at is not None:
        return Refusal("revoked", key)
    if key.expires_at is not None and key.expires_at <= now:
        return Refusal("expired", key)
    api_keys.touch(key.id, now)
    return key


def enabled() -> bool:
    """Whether the admin API is on: some key was created (revoked or expired ones count)."""
    return api_keys.any_exists()
