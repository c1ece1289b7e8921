"""ENCRYPTION_KEY: TOTP secrets encrypted at rest, rows written before it still readable."""

import pytest

from mfa_api.security import crypto
from tests.helpers import PASSWORD, fresh_totp, totp

EMAIL = "alice@example.com"


@pytest.fixture
def encrypted(store_config):
    """The older single ENCRYPTION_KEY alone (ask for it before `twofa`)."""
    store_config.update(
        ENCRYPTION_KEYS=None, ENCRYPTION_KEY="an-encryption-key-kept-apart-from-the-secret-key"
    )


def test_secrets_are_encrypted_and_still_verify_on_both_faces(encrypted, twofa, db):
    secret = twofa.user()
    stored = db.fetch_one("SELECT auth_code FROM users", ())["auth_code"]
    assert stored.startswith(crypto.ENCRYPTED_PREFIX) and secret not in stored
    code = twofa.legacy.login()
    response = twofa.legacy.post(
        "verify", {"email": EMAIL, "email_otp": code, "auth_code": fresh_totp(secret)}
    )
    assert response.status_code == 200
    assert twofa.access(secret)


def test_rows_written_before_the_key_was_set_still_read(encrypted, twofa, db):
    secret = twofa.user()
    db.execute("UPDATE users SET auth_code = ?", (secret,))  # a plain row, as before the key
    assert twofa.access(secret)


def test_pending_setup_secrets_are_encrypted_too(encrypted, twofa, db):
    access = twofa.without_2fa(twofa.user())
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    rows = db.fetch_all("SELECT v FROM ephemeral", ())
    assert all(secret not in row["v"] for row in rows)
    enable = {"password": PASSWORD, "otp": totp(secret)}
    assert twofa.post("2fa/enable", access, enable).status_code == 200


@pytest.fixture
def plaintext_allowed(store_config):
    """No key, plain text on purpose (ask for it before `twofa`)."""
    store_config.update(ENCRYPTION_KEYS=None, ALLOW_PLAINTEXT_SECRETS=True)


def test_without_a_key_secrets_stay_readable_by_mfa_php(plaintext_allowed, twofa, db):
    secret = twofa.user()
    assert db.fetch_one("SELECT auth_code FROM users", ())["auth_code"] == secret
