"""The Redis connection, when REDIS_URL is set."""

from __future__ import annotations

import redis
from flask import Flask


def init_redis(app: Flask) -> None:
    """Create a (lazily connecting) Redis client if REDIS_URL is set."""
    url = app.config.get("REDIS_URL")
    if url:
        app.extensions["mfa_redis"] = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2
        )
