"""The Redis connection, when REDIS_URL is set: one Redis, or its primary found through Sentinel.

redis-py is imported only then (and where its errors are caught): it costs ~6 MB of memory a
process, which a service without Redis need not pay in each of its workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flask import Flask

from .state import fill, state_of

SENTINEL_SCHEME = "redis+sentinel"  # limits' own scheme: one URL serves both clients


@dataclass(frozen=True)
class SentinelUrl:
    """redis+sentinel://[[user]:password@]host:port,host:port,…/service[/db], taken apart."""

    hosts: list[tuple[str, int]]
    service: str
    db: int
    username: str | None
    password: str | None

    def limiter_uri(self, url: str) -> str:
        """The URL as limits takes it: without the database (it reads the path as the name)."""
        head, _, _ = url.partition("://")
        netloc = urlsplit(url).netloc
        return f"{head}://{netloc}/{self.service}"


def is_sentinel(url: object) -> bool:
    """Whether url is a Sentinel URL."""
    return str(url or "").startswith(SENTINEL_SCHEME + "://")


def parse_sentinel_url(url: str) -> SentinelUrl:
    """Take a Sentinel URL apart; ValueError saying what is wrong with it."""
    parts = urlsplit(url)
    hosts = []
    for location in parts.netloc.rpartition("@")[2].split(","):
        host, colon, port = location.strip().rpartition(":")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"needs sentinels as host:port, not {location.strip()!r}")
        hosts.append((host.strip("[]"), int(port)))
    service, _, db = parts.path.strip("/").partition("/")
    if not service:
        raise ValueError("needs the service name after the sentinels (…:26379/mymaster)")
    if db and not db.isdigit():
        raise ValueError(f"needs a database number after the service name, not {db!r}")
    if parts.query or parts.fragment:
        raise ValueError("takes no query string or fragment")
    password = unquote(parts.password) if parts.password else None
    return SentinelUrl(hosts, service, int(db or 0), parts.username or None, password)


def sentinel_url_problem(setting: str, url: str) -> str | None:
    """One line naming the setting when its Sentinel URL cannot work, else None."""
    try:
        parse_sentinel_url(url)
    except ValueError as exc:
        return f"{setting} {exc}: {SENTINEL_SCHEME}://host:26379,host:26379/service[/db]"
    return None


def init_redis(app: Flask) -> None:
    """Create a (lazily connecting) Redis client if REDIS_URL is set, and give it and the rate
    limiter's Redis storage the REDIS_TIMEOUT_SECONDS deadline (the library waits 5 s)."""
    values = state_of(app).values
    timeout = values.redis_timeout_seconds
    deadlines = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    url = values.redis_url
    if is_sentinel(url) and sentinel_url_problem("REDIS_URL", url):
        pass  # refused by config_check already (check-config still builds the app)
    elif is_sentinel(url):
        from .redis_sentinel import sentinel_client

        fill(app, redis=sentinel_client(parse_sentinel_url(url), timeout))
    elif url:
        import redis

        fill(app, redis=redis.Redis.from_url(url, decode_responses=True, **deadlines))
    storage = values.ratelimit_storage_uri or ""
    # flask-limiter reads its storage from its own keys of app.config: written there for it.
    if is_sentinel(storage) and not sentinel_url_problem("RATELIMIT_STORAGE_URI", storage):
        from .redis_sentinel import limiter_options

        parsed = parse_sentinel_url(storage)
        app.config["RATELIMIT_STORAGE_URI"] = parsed.limiter_uri(storage)
        deadlines = limiter_options(parsed, timeout)
    if storage.startswith(("redis://", "rediss://", SENTINEL_SCHEME + "://")):
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **deadlines,
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }


def redis_error() -> type[Exception]:
    """redis.RedisError, for an except clause where a Redis client is in use (then redis-py is
    loaded already: the import costs nothing)."""
    import redis

    return redis.RedisError
