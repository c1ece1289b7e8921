"""Redis through Sentinel: clients that write to the primary only and follow it after a failover.

Imported only when REDIS_URL (or RATELIMIT_STORAGE_URI) is a redis+sentinel:// URL. After a
failover the demoted primary keeps accepting writes until the sentinels turn it into a replica
(about 10 s), and a pooled connection to it would keep writing there: every write of that window
lost (70-81% of rate-limit hits, measured in issue 22). So a connection asks which primary the
sentinels name (at most every CHECK_SECONDS per pool) each time the pool hands it out, and leaves
a primary that is no longer the one; a ReadOnlyError or a refused connection is retried once,
on the primary found again (redis-py's own retry would reconnect to the same server).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelManagedConnection

if TYPE_CHECKING:  # redis_client loads this module lazily; it needs nothing of it at run time
    from .redis_client import SentinelUrl

CHECK_SECONDS = 0.25  # how long a pool trusts the primary's address it was last told
QUIET_SECONDS = 5  # how long it asks no sentinel after none answered (each costs a deadline)


class PrimaryConnection(SentinelManagedConnection):
    """A sentinel-managed connection that drops a primary the sentinels no longer name."""

    def connect(self):
        """Connect to the primary, first leaving a demoted one this connection still holds."""
        if self._sock and self.connection_pool.is_master and self._primary_moved():
            self.disconnect()
        return super().connect()

    def send_packed_command(self, command, check_health=True):
        """Send a command; reconnect through the sentinels (redis-py's own reconnect, on a retry
        after a ReadOnlyError, would go back to the same server: the demoted primary)."""
        if not self._sock:
            self.connect()
        return super().send_packed_command(command, check_health)

    def _primary_moved(self) -> bool:
        proxy = self.connection_pool  # shared by the pool's connections
        now = time.monotonic()
        if now - getattr(proxy, "mfa_checked_at", 0.0) >= CHECK_SECONDS:
            proxy.mfa_checked_at = now
            try:
                proxy.get_master_address()  # drops idle connections when it changed
            except redis.ConnectionError:  # no sentinel answers: keep the primary we have,
                proxy.mfa_checked_at = now + QUIET_SECONDS  # and spare requests their waits
                return False
        address = proxy.master_address
        return address is not None and (self.host, int(self.port)) != (
            address[0],
            int(address[1]),
        )


def sentinel_options(timeout: float) -> dict:
    """Keyword arguments for redis-py's Sentinel, and so for limits' sentinel storage: the
    deadline for the primary and for the sentinels, the connection above, one retry."""
    deadlines = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    return {
        **deadlines,
        # limits passes sentinel_kwargs (never None), so redis-py would not copy the deadlines
        "sentinel_kwargs": {**deadlines, "retry": Retry(NoBackoff(), 0)},
        "connection_class": PrimaryConnection,
        # a ReadOnlyError from a demoted primary arrives as a ConnectionError: once, at once
        "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    }


def sentinel_client(url: SentinelUrl, timeout: float) -> redis.Redis:
    """A client of the primary the sentinels name (they are asked when it connects)."""
    options = sentinel_options(timeout)
    auth = {"username": url.username, "password": url.password}
    auth = {key: value for key, value in auth.items() if value}
    options["sentinel_kwargs"].update(auth)  # as limits does: the sentinels take the same
    sentinel = Sentinel(url.hosts, db=url.db, decode_responses=True, **auth, **options)
    return sentinel.master_for(url.service)


def limiter_options(url: SentinelUrl, timeout: float) -> dict:
    """RATELIMIT_STORAGE_OPTIONS for limits' sentinel storage: the same deadlines and
    connections, the database, and no counters read from replicas."""
    return {**sentinel_options(timeout), "db": url.db, "use_replicas": False}
