"""Fixtures: an app per test on a fresh database (SQLite always, MariaDB when configured)."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager

import pyotp
import pytest
from flask_mail import email_dispatched

from mfa_api import create_app
from mfa_api.db import connect
from mfa_api.migrate import upgrade
from tests.services import fresh_mysql_database, fresh_redis_prefix

PREFIX = "/mfa-php/api"
PASSWORD = "Password123"


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
        "SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "localhost",  # with TESTING, flask-mail records instead of sending
        "BCRYPT_ROUNDS": 4,
        "RATELIMIT_ENABLED": False,  # functional tests; tests/api/test_rate_limits.py turns it on
    }


def make_app(config: dict):
    """An app on config's database, schema applied."""
    app = create_app(config)
    db = connect(app.config["DATABASE_URL"])
    try:
        upgrade(db)
    finally:
        db.close()
    return app


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


@contextmanager
def recorded_mail(app):
    """A list that collects every message app sends while the block runs."""
    messages = []

    def record(sender, message, **_):
        messages.append(message)

    email_dispatched.connect(record, sender=app)
    try:
        yield messages
    finally:
        email_dispatched.disconnect(record, sender=app)


@pytest.fixture
def mailbox(app):
    """Every message the app sends during the test."""
    with recorded_mail(app) as messages:
        yield messages


class LegacyClient:
    """Drives the mfa-php face the way its clients do."""

    def __init__(self, client, mailbox):
        self.client = client
        self.mailbox = mailbox

    def post(self, endpoint: str, body=None, **kwargs):
        """POST a JSON body to an endpoint of the face."""
        return self.client.post(f"{PREFIX}/{endpoint}", json=body, **kwargs)

    def last_code(self, email: str) -> str:
        """The code in the latest mail to email."""
        message = [m for m in self.mailbox if email in m.recipients][-1]
        return re.search(r"\b(\d{6})\b", message.body).group(1)

    def register(self, email="alice@example.com", phone="250788000001", password=PASSWORD):
        """Register; the response's data (secret included)."""
        body = {"names": "Alice", "email": email, "phone": phone, "password": password}
        response = self.post("register", body)
        assert response.status_code == 200, response.json
        return response.json["data"]

    def enrolled(self, email="alice@example.com", phone="250788000001", password=PASSWORD):
        """Register and verify; the TOTP secret."""
        secret = self.register(email, phone, password)["secret"]
        response = self.post(
            "verify",
            {"email": email, "email_otp": self.last_code(email), "auth_code": totp(secret)},
        )
        assert response.status_code == 200, response.json
        return secret

    def login(self, email="alice@example.com", password=PASSWORD):
        """Log in; the emailed code."""
        response = self.post("login", {"email": email, "password": password})
        assert response.status_code == 200, response.json
        return self.last_code(email)


def totp(secret: str, steps_ahead: int = 0) -> str:
    """The TOTP code of secret now, or a step or more ahead (still inside the ±1 window)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


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


class TwoFaClient:
    """Drives the 2FA face; users are made through the mfa-php face, as real ones are."""

    def __init__(self, app, mailbox):
        self.app = app
        self.client = app.test_client()
        self.mailbox = mailbox
        self.legacy = LegacyClient(self.client, mailbox)

    def call(self, method: str, path: str, token: str | None = None, body=None, **kwargs):
        """A request to /api/auth/<path>, with a bearer token if given."""
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(
            "/api/auth/" + path, method=method, json=body, headers=headers, **kwargs
        )

    def post(self, path: str, token: str | None = None, body=None, **kwargs):
        """POST to /api/auth/<path>."""
        return self.call("POST", path, token, body, **kwargs)

    def user(self, email="alice@example.com", phone="250788000001"):
        """A registered, verified user with 2FA on; their TOTP secret."""
        return self.legacy.enrolled(email=email, phone=phone)

    def challenge(self, email="alice@example.com", password=PASSWORD) -> str:
        """Log in on the 2FA face; the challenge token."""
        response = self.post("login", body={"email": email, "password": password})
        assert response.status_code == 200 and response.json["requires2fa"], response.json
        return response.json["challengeToken"]

    def access(self, secret: str, email="alice@example.com", steps_ahead=1) -> str:
        """A full login with the TOTP; the access token."""
        response = self.post(
            "2fa/verify", self.challenge(email), {"otp": totp(secret, steps_ahead)}
        )
        assert response.status_code == 200, response.json
        return response.json["accessToken"]

    def last_code(self, email="alice@example.com") -> str:
        """The code in the latest mail to email."""
        return self.legacy.last_code(email)


@pytest.fixture
def twofa(twofa_app):
    """A client of the 2FA face, with the app's outgoing mail."""
    with recorded_mail(twofa_app) as messages:
        yield TwoFaClient(twofa_app, messages)
