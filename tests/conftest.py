"""Fixtures: an app per test on a fresh database (SQLite always, MariaDB when configured)."""

from __future__ import annotations

import pytest

from mfa_api.db import connect
from tests.helpers import CLOCK, TEST_KEY, LegacyClient, TwoFaClient, make_app, recorded_mail
from tests.services import fresh_mysql_database, fresh_redis_prefix


@pytest.fixture(autouse=True)
def stopped_clock():
    """Each test starts with the shared clock stopped at the real time; it moves it forward."""
    CLOCK.restart()


@pytest.fixture(params=["sqlite", "mysql"])
def database_url(request, tmp_path):
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.sqlite3"
        return
    with fresh_mysql_database() as url:
        yield url


@pytest.fixture
def app_config(database_url):
    """The test app's settings; a test may change them before asking for `app`."""
    return {
        "TESTING": True,
        "SECRET_KEY": "p5iAC9XH4UBnR_YixjP4YFS-kLj1n13uZJJz8vZaJNc",
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "localhost",  # an SMTP mailer, which make_app swaps for a recorder
        "BCRYPT_ROUNDS": 4,
        # Argon2id at its cheapest, and no legacy bcrypt cost for wrong passwords to wait for:
        # tests/unit/test_passwords.py and test_password_schemes.py test the real costs.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 64,
        "LEGACY_BCRYPT_COST": 4,
        "RATELIMIT_ENABLED": False,  # functional tests; tests/api/test_rate_limits.py turns it on
        # Tests that use Redis test what lives there, not its deadline (the outage tests in
        # tests/e2e do): on a machine at load 20, 0.5 s was sometimes missed, and the limiter
        # fell back to counting in memory.
        "REDIS_TIMEOUT_SECONDS": 5,
        # Long enough that real time passing during a test never ends a back-off: tests move
        # the clock (tests/helpers.py CLOCK) instead.
        "BACKOFF_BASE_SECONDS": 10,
        "BACKOFF_MAX_SECONDS": 40,
        "ENCRYPTION_KEYS": [TEST_KEY],  # as production requires: secrets sealed at rest
    }


@pytest.fixture
def app(app_config):
    """An app on its own database, schema applied."""
    return make_app(app_config)


@pytest.fixture
def db(app):
    """A direct connection to the test database, to look at (or age) rows."""
    conn = connect(app.config["DATABASE_URL"])
    yield conn
    conn.close()


@pytest.fixture
def mailbox(app):
    """Every message the app sends during the test."""
    with recorded_mail(app) as messages:
        yield messages


@pytest.fixture
def legacy(app, mailbox):
    """A client of the mfa-php face."""
    return LegacyClient(app.test_client(), mailbox)


@pytest.fixture(params=["sql-store", "redis-store"])
def store_config(request, app_config):
    """app_config with the short-lived store in SQL, or in Redis under a prefix of its own."""
    if request.param == "sql-store":
        yield app_config
        return
    with fresh_redis_prefix() as (url, prefix):
        app_config.update(REDIS_URL=url, REDIS_PREFIX=prefix)
        yield app_config


@pytest.fixture
def twofa_app(store_config):
    """An app on a fresh database, with each kind of short-lived store."""
    return make_app(store_config)


@pytest.fixture
def twofa(twofa_app):
    """A client of the 2FA face, with the app's outgoing mail."""
    with recorded_mail(twofa_app) as messages:
        yield TwoFaClient(twofa_app, messages)
