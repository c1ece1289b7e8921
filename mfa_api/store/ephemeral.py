"""Short-lived keys (pending TOTP secrets, revoked token ids): Redis when configured, else SQL.

Both implementations answer the same four calls, so the services never know which one runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import redis
from flask import current_app

from ..db import get_db, transaction
from ..errors import ServiceUnavailable


class Ephemeral(Protocol):
    def put(self, key: str, value: str, expires_at: int, now: int) -> None: ...
    def get(self, key: str, now: int) -> str | None: ...
    def take(self, key: str, now: int) -> str | None: ...
    def delete(self, key: str) -> None: ...


class SqlEphemeral:
    """The `ephemeral` table; expired rows are swept as new ones are written."""

    def put(self, key: str, value: str, expires_at: int, now: int) -> None:
        """Set key to value until expires_at (Unix seconds)."""
        with transaction():
            db = get_db()
            db.execute("DELETE FROM ephemeral WHERE k = ? OR expires_at < ?", (key, now))
            db.execute(
                "INSERT INTO ephemeral (k, v, expires_at) VALUES (?, ?, ?)",
                (key, value, expires_at),
            )

    def get(self, key: str, now: int) -> str | None:
        """The value of key, unless missing or expired."""
        row = get_db().fetch_one(
            "SELECT v FROM ephemeral WHERE k = ? AND expires_at >= ?", (key, now)
        )
        return None if row is None else row["v"]

    def take(self, key: str, now: int) -> str | None:
        """Remove key and return its value; only one of several racing callers gets it."""
        value = self.get(key, now)
        if value is None:
            return None
        removed = get_db().execute("DELETE FROM ephemeral WHERE k = ? AND v = ?", (key, value))
        return value if removed == 1 else None

    def delete(self, key: str) -> None:
        """Remove key if present."""
        get_db().execute("DELETE FROM ephemeral WHERE k = ?", (key,))


class RedisEphemeral:
    """Keys under a prefix in Redis, expiring by Redis's own TTL."""

    def __init__(self, client: redis.Redis, prefix: str):
        self.client = client
        self.prefix = prefix

    @contextmanager
    def _available(self) -> Iterator[None]:
        try:
            yield
        except redis.RedisError as exc:
            raise ServiceUnavailable("Cache unavailable") from exc

    def put(self, key: str, value: str, expires_at: int, now: int) -> None:
        """Set key to value for the seconds left until expires_at."""
        with self._available():
            self.client.set(self.prefix + key, value, ex=max(1, expires_at - now))

    def get(self, key: str, now: int) -> str | None:
        """The value of key, unless missing or expired."""
        with self._available():
            return self.client.get(self.prefix + key)

    def take(self, key: str, now: int) -> str | None:
        """Remove key and return its value, atomically (GETDEL)."""
        with self._available():
            return self.client.getdel(self.prefix + key)

    def delete(self, key: str) -> None:
        """Remove key if present."""
        with self._available():
            self.client.delete(self.prefix + key)


def ephemeral() -> Ephemeral:
    """The store this app is configured for."""
    client = current_app.extensions.get("mfa_redis")
    if client is None:
        return SqlEphemeral()
    return RedisEphemeral(client, current_app.config["REDIS_PREFIX"])
