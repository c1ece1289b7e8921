"""The application state (mfa_api/state.py): one object under one app.extensions key, reached
one way, holding every part the requests share; filled step by step, swapped by tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mfa_api import create_app
from mfa_api.api.common import now
from mfa_api.api.docs import document
from mfa_api.db import DatabaseUnavailable, get_db
from mfa_api.errors import legacy_shape
from mfa_api.state import KEY, AppState, fill, state, state_of, value
from tests.helpers import TEST_KEY

PACKAGE = Path(__file__).resolve().parents[2] / "mfa_api"
LIBRARIES = {"limiter"}  # flask-limiter keeps its own key


@pytest.fixture
def app(tmp_path):
    """A test app on an SQLite file (no schema needed: nothing here queries)."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "p5iAC9XH4UBnR_YixjP4YFS-kLj1n13uZJJz8vZaJNc",
            "DATABASE_URL": f"sqlite:///{tmp_path}/test.sqlite3",
            "ENCRYPTION_KEYS": [TEST_KEY],
            "REDIS_URL": "redis://127.0.0.1:1/0",  # never connected to: the client is lazy
            "LEGACY_PREFIX": "/legacy",
        }
    )


def test_the_app_keeps_its_state_under_one_key(app):
    assert set(app.extensions) - LIBRARIES == {KEY}
    assert isinstance(app.extensions[KEY], AppState)


def test_every_part_is_filled_in_by_create_app(app):
    made = state_of(app)
    assert made.values.legacy_prefix == "/legacy"
    assert made.settings.secret_cipher is not None
    assert set(made.breakers) == {"database", "redis", "mail", "sms"}
    assert made.redis is not None and made.mailer is not None
    assert made.development
    assert [p.message.split(":")[0] for p in made.config_problems] == ["MAIL_SERVER is not set"]
    assert made.error_shapes["legacy"] is legacy_shape


def test_no_module_but_state_py_touches_app_extensions():
    touching = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\w\.extensions\b", path.read_text()) and path.name != "state.py"
    ]
    assert touching == []


def test_the_accessors_read_the_one_state(app):
    with app.app_context():
        assert state() is state_of(app) is app.extensions[KEY]
        assert value("LEGACY_PREFIX") == "/legacy"
        fill(app, clock=lambda: 1234.5)  # as the tests swap the clock
        assert now() == 1234


def test_a_breaker_is_the_states(app):
    state_of(app).breakers["database"].failed()
    with app.test_request_context(), pytest.raises(DatabaseUnavailable):
        get_db()


def test_the_openapi_document_is_built_once_into_the_state(app):
    with app.app_context():
        assert state().openapi is None
        built = document()
        assert state().openapi is built
        assert document() is built


def test_fill_keeps_what_it_is_not_given(app):
    before = state_of(app)
    after = fill(app, clock=lambda: 0.0)
    assert after.settings is before.settings and after.breakers is before.breakers
    assert state_of(app) is after


def test_the_mailer_and_sms_gateway_are_made_from_the_typed_settings(tmp_path):
    sms = {"SMS_GATEWAY_URL": "https://sms.example", "SMS_ACCOUNT_SID": "AC1", "SMS_FROM": "+1"}
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/test.sqlite3",
            "MAIL_SERVER": "smtp.example",
            "MAIL_USE_SSL": "true",  # as an MFA_ variable gives it
            "MAIL_TIMEOUT_SECONDS": 3,
            **sms,
        }
    )
    made = state_of(app)
    assert (made.mailer.settings.port, made.mailer.settings.timeout) == (465, 3.0)
    assert made.mailer.breaker is made.breakers["mail"]
    assert made.sms is None  # no SMS_AUTH_TOKEN: no gateway
    with_token = create_app({**app.config, "SMS_AUTH_TOKEN": "token", "SMS_TIMEOUT_SECONDS": 2})
    gateway = state_of(with_token).sms
    assert (gateway.auth_token, gateway.timeout) == ("token", 2.0)
    assert gateway.breaker is state_of(with_token).breakers["sms"]
