"""The real services tests talk to: a fresh MariaDB database per test, or a skip (or failure)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pymysql
import pytest
import redis

MYSQL_URL = os.environ.get("MFA_TEST_MYSQL_URL")
REDIS_URL = os.environ.get("MFA_TEST_REDIS_URL")
REQUIRE_SERVICES = os.environ.get("MFA_TEST_REQUIRE_SERVICES") == "1"


def missing_service(name: str, variable: str) -> None:
    """Skip the test, or fail it when CI requires every service."""
    message = f"{name} not configured: set {variable}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (MFA_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def _server_connection(url: str):
    parts = urlsplit(url)
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        autocommit=True,
    )


@contextmanager
def fresh_mysql_database() -> Iterator[str]:
    """A new, empty MariaDB database for one test; its URL. Dropped afterwards."""
    if not MYSQL_URL:
        missing_service("MariaDB", "MFA_TEST_MYSQL_URL")
    name = "mfa_test_" + secrets.token_hex(6)
    conn = _server_connection(MYSQL_URL)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        parts = urlsplit(MYSQL_URL)
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


@contextmanager
def fresh_redis_prefix() -> Iterator[tuple[str, str]]:
    """(Redis URL, a key prefix of this test's own); its keys are deleted afterwards."""
    if not REDIS_URL:
        missing_service("Redis", "MFA_TEST_REDIS_URL")
    prefix = f"mfa-test-{secrets.token_hex(6)}:"
    try:
        yield REDIS_URL, prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match="*" + prefix + "*"):
            client.delete(key)
        client.close()
