"""The Redis connection, when REDIS_URL is set.

redis-py is imported only then (and where its errors are caught): it costs ~6 MB of memory a
process, which a service without Redis need not pay in each of its workers.
"""

from __future__ import annotations

from flask import Flask


def init_redis(app: Flask) -> None:
    """Create a (lazily connecting) Redis client if REDIS_URL is set, and give it and the rate
    limiter's Redis storage the REDIS_TIMEOUT_SECONDS deadline (the library waits 5 s)."""
    timeout = float(app.config["REDIS_TIMEOUT_SECONDS"])
    deadlines = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    url = app.config.get("REDIS_URL")
    if url:
        import redis

        app.extensions["mfa_redis"] = redis.Redis.from_url(url, decode_responses=True, **deadlines)
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis://", "rediss://")):
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **deadlines,
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }


def redis_error() -> type[Exception]:
    """redis.RedisError, for an except clause where a Redis client is in use (then redis-py is
    loaded already: the import costs nothing)."""
    import redis

    return redis.RedisError
