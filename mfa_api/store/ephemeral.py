"""Short-lived keys (pending TOTP secrets, phones being verified): Redis when configured, else
SQL. Nothing kept through ephemeral() is security-relevant: losing it means redoing a setup or
a phone's check. Single-use state whose loss or resurrection would weaken security (a passkey
ceremony's challenge: a delete lost in a Redis failover would bring it back, and with it a
captured assertion of an authenticator that keeps no counter) lives in SQL, through
single_use(). (services/factors/totp.py keeps the TOTP steps it spent in the SQL table directly.)

Both implementations answer the same calls, so the services never know which one runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from ..db import atomically, get_db, like_prefix
from ..errors import ServiceUnavailable
from ..redis_client import redis_error
from ..state import state

if TYPE_CHECKING:
    import redis

CACHE_UNAVAILABLE = "Cache unavailable"


class Ephemeral(Protocol):
    def put(self, key: str, value: str, expires_at: int, now: int) -> None: ...
    def get(self, key: str, now: int) -> str | None: ...
    def take(self, key: str, now: int) -> str | None: ...
    def delete(self, key: str) -> None: ...
    def items(self, prefix: str, now: int) -> list[tuple[str, str]]: ...
    def swap(self, key: str, old: str, new: str) -> bool: ...


SWEEP_BATCH = 100


def sweep_expired(now: int, batch: int = SWEEP_BATCH) -> int:
    """Drop a batch of the `ephemeral` table's expired keys; how many went (`flask sweep`: a
    write never deletes a range, which hosts sharing a Galera cluster would collide on)."""
    return get_db().delete_oldest("ephemeral", "expires_at", now, batch)


class SqlEphemeral:
    """The `ephemeral` table; reads ignore expired rows, `flask sweep` removes them."""

    def put(self, key: str, value: str, expires_at: int, now: int) -> None:
        """Set key to value until expires_at (Unix seconds)."""

        def replace() -> None:
            db = get_db()
            db.execute("DELETE FROM ephemeral WHERE k = ?", (key,))
            db.execute(
                "INSERT INTO ephemeral (k, v, expires_at) VALUES (?, ?, ?)",
                (key, value, expires_at),
            )

        atomically(replace)

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

    def items(self, prefix: str, now: int) -> list[tuple[str, str]]:
        """(key, value) of every live key starting with prefix."""
        rows = get_db().fetch_all(
            "SELECT k, v FROM ephemeral WHERE k LIKE ? ESCAPE '!' AND expires_at >= ?",
            (like_prefix(prefix), now),
        )
        return [(row["k"], row["v"]) for row in rows]

    def swap(self, key: str, old: str, new: str) -> bool:
        """Set key to new if it still holds old; True if set."""
        return (
            get_db().execute("UPDATE ephemeral SET v = ? WHERE k = ? AND v = ?", (new, key, old))
            == 1
        )


class RedisEphemeral:
    """Keys under a prefix in Redis, expiring by Redis's own TTL."""

    def __init__(self, client: redis.Redis, prefix: str):
        self.client = client
        self.prefix = prefix

    @contextmanager
    def _available(self) -> Iterator[None]:
        """503 Cache unavailable when Redis fails (or failed moments ago: the breaker)."""
        redis_breaker = state().breakers["redis"]
        if redis_breaker.is_open():
            raise ServiceUnavailable(CACHE_UNAVAILABLE)
        try:
            yield
        except redis_error() as exc:
            redis_breaker.failed()
            raise ServiceUnavailable(CACHE_UNAVAILABLE) from exc

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

    def items(self, prefix: str, now: int) -> list[tuple[str, str]]:
        """(key, value) of every key starting with prefix."""
        with self._available():
            found = []
            for full in self.client.scan_iter(match=_glob_escape(self.prefix + prefix) + "*"):
                value = self.client.get(full)
                if value is not None:
                    found.append((full[len(self.prefix) :], value))
            return found

    def swap(self, key: str, old: str, new: str) -> bool:
        """Set key to new, keeping its expiry, if it still holds old; True if set."""
        with self._available():
            return bool(self.client.eval(_SWAP, 1, self.prefix + key, old, new))


# Compare and set in one step, keeping the key's time to live.
_SWAP = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0
"""


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def single_use() -> Ephemeral:
    """The SQL table, whatever REDIS_URL says: for single-use state that must neither be lost
    nor come back (a failover can lose a Redis delete; a database commit holds)."""
    return SqlEphemeral()


def ephemeral() -> Ephemeral:
    """The store this app is configured for."""
    made = state()
    if made.redis is None:
        return SqlEphemeral()
    return RedisEphemeral(made.redis, made.values.redis_prefix)
