"""Redis through Sentinel: clients of the primary the sentinels name, with our deadlines.

Imported only when REDIS_URL (or RATELIMIT_STORAGE_URI) is a redis+sentinel:// URL. A
ReadOnlyError from a demoted primary (redis-py turns it into a ConnectionError and drops the
connection) or a refused connection is retried once, on the primary found again.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

from .redis_client import SentinelUrl


def sentinel_options(timeout: float) -> dict:
    """Keyword arguments for redis-py's Sentinel, and so for limits' sentinel storage: the
    deadline for the primary and for the sentinels, one retry."""
    deadlines = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    return {
        **deadlines,
        # limits passes sentinel_kwargs (never None), so redis-py would not copy the deadlines
        "sentinel_kwargs": {**deadlines, "retry": Retry(NoBackoff(), 0)},
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
