"""The Redis connection, when REDIS_URL is set."""

from __future__ import annotations

import redis
from flask import Flask


def init_redis(app: Flask) -> None:
    """Create a (lazily connecting) Redis client if REDIS_URL is set, and give it and the rate
    limiter's Redis storage the REDIS_TIMEOUT_SECONDS deadline (the library waits 5 s)."""
    timeout = float(app.config["REDIS_TIMEOUT_SECONDS"])
    deadlines = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    url = app.config.get("REDIS_URL")
    if url:
        app.extensions["mfa_redis"] = redis.Redis.from_url(url, decode_responses=True, **deadlines)
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis://", "rediss://")):
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **deadlines,
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }
