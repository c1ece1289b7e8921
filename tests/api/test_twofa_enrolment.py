"""Setup, verify with an access token, enable and disable."""

import base64
import time

import pyotp
import pytest

from tests.conftest import PASSWORD, totp

EMAIL = "alice@example.com"


def user_without_2fa(twofa, db) -> str:
    """A user who turned 2FA off (via the API); an access token of theirs."""
    access = twofa.access(twofa.user())
    response = twofa.post("2fa/disable", access, {"password": PASSWORD})
    assert response.status_code == 200, response.json
    login = twofa.post("login", body={"email": EMAIL, "password": PASSWORD})
    return login.json["accessToken"]


def test_setup_and_generate_make_a_pending_secret_with_its_qr_code(twofa, db):
    access = user_without_2fa(twofa, db)
    for path in ("2fa/setup", "2fa/generate"):
        response = twofa.post(path, access)
        assert response.status_code == 200
        body = response.json
        assert set(body) == {"success", "secretKey", "otpauthUrl", "qrCodeUrl"}
        assert len(base64.b32decode(body["secretKey"])) == 20
        assert body["otpauthUrl"].startswith("otpauth://totp/MFA%20API:alice%40example.com?")
        assert f"secret={body['secretKey']}" in body["otpauthUrl"]
        assert body["qrCodeUrl"].startswith("data:image/png;base64,")
    user = db.fetch_one("SELECT twofa_enabled, auth_code FROM users", ())
    assert user == {"twofa_enabled": 0, "auth_code": ""}  # untouched until enable


def test_setup_when_2fa_is_on_is_a_400(twofa):
    access = twofa.access(twofa.user())
    response = twofa.post("2fa/setup", access)
    assert response.status_code == 400
    assert response.json == {"success": False, "message": "2FA already enabled"}


def test_enable_with_the_pending_secrets_code(twofa, db):
    access = user_without_2fa(twofa, db)
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    wrong = twofa.post("2fa/enable", access, {"otp": "000000" if totp(secret) != "000000" else "1"})
    assert wrong.status_code in (400, 401)
    response = twofa.post("2fa/enable", access, {"otp": totp(secret)})
    assert response.status_code == 200
    assert response.json == {"success": True, "message": "2FA has been enabled successfully"}
    login = twofa.post("login", body={"email": EMAIL, "password": PASSWORD})
    assert login.json["requires2fa"] is True
    verify = twofa.post("2fa/verify", login.json["challengeToken"], {"otp": totp(secret, 1)})
    assert verify.status_code == 200
    assert "turned on" in twofa.mailbox[-1].body


def test_the_step_used_to_enable_cannot_be_replayed_at_login(twofa, db):
    access = user_without_2fa(twofa, db)
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    code = totp(secret)
    assert twofa.post("2fa/enable", access, {"otp": code}).status_code == 200
    assert twofa.post("2fa/verify", twofa.challenge(), {"otp": code}).status_code == 401


def test_enable_without_otp_after_verify_confirmed_the_setup(twofa, db):
    access = user_without_2fa(twofa, db)
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    unconfirmed = twofa.post("2fa/enable", access)
    assert unconfirmed.status_code == 401
    verify = twofa.post("2fa/verify", access, {"code": totp(secret)})
    assert verify.json == {"success": True, "message": "Code verified successfully"}
    assert twofa.post("2fa/enable", access).status_code == 200
    assert db.fetch_one("SELECT twofa_enabled FROM users", ())["twofa_enabled"] == 1


def test_enable_when_2fa_is_on_is_a_400(twofa):
    access = twofa.access(twofa.user())
    response = twofa.post("2fa/enable", access, {"otp": "123456"})
    assert response.status_code == 400
    assert response.json == {"success": False, "message": "2FA already enabled"}


def test_enable_with_no_pending_setup_is_a_400(twofa, db):
    access = user_without_2fa(twofa, db)
    response = twofa.post("2fa/enable", access, {"otp": "123456"})
    assert response.status_code == 400
    assert response.json == {"success": False, "message": "No pending 2FA setup"}


@pytest.fixture
def short_setup_ttl(store_config):
    """Pending setups live one second (ask for it before `twofa`)."""
    store_config["SETUP_TTL_SECONDS"] = 1


def test_a_pending_setup_expires(short_setup_ttl, twofa, db):
    access = user_without_2fa(twofa, db)
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    time.sleep(2.1)
    response = twofa.post("2fa/enable", access, {"otp": totp(secret)})
    assert response.json == {"success": False, "message": "No pending 2FA setup"}


def test_verify_with_an_access_token_checks_the_active_secret(twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    db.execute("UPDATE users SET totp_last_step = NULL")  # free the steps the login used
    code = totp(secret)
    wrong = twofa.post("2fa/verify", access, {"otp": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 401
    assert wrong.json == {"success": False, "message": "Invalid code"}
    ok = twofa.post("2fa/verify", access, {"otp": code})
    assert ok.json == {"success": True, "message": "Code verified successfully"}
    assert twofa.post("2fa/verify", access, {"otp": code}).status_code == 401  # no replay


def test_disable_needs_the_password_and_ends_every_earlier_token(twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    twofa.post("2fa/backup-codes", access)
    wrong = twofa.post("2fa/disable", access, {"password": "not-the-password"})
    assert wrong.status_code == 401
    assert wrong.json == {"success": False, "message": "Invalid password"}
    response = twofa.post("2fa/disable", access, {"password": PASSWORD})
    assert response.json == {"success": True, "message": "2FA has been disabled"}
    assert twofa.post("2fa/setup", access).status_code == 401  # the old token is dead
    row = db.fetch_one("SELECT twofa_enabled, auth_code, totp_last_step FROM users", ())
    assert row == {"twofa_enabled": 0, "auth_code": "", "totp_last_step": None}
    assert db.fetch_one("SELECT COUNT(*) AS n FROM backup_codes", ())["n"] == 0
    assert "turned off" in twofa.mailbox[-1].body


def test_disable_drops_a_pending_setup(twofa, db):
    access = user_without_2fa(twofa, db)
    twofa.post("2fa/setup", access)
    twofa.post("2fa/disable", access, {"password": PASSWORD})
    access = twofa.post("login", body={"email": EMAIL, "password": PASSWORD}).json["accessToken"]
    assert twofa.post("2fa/enable", access, {"otp": "123456"}).json["message"] == (
        "No pending 2FA setup"
    )


def test_after_disable_the_mfa_php_face_needs_the_email_code_only(twofa, db):
    access = twofa.access(twofa.user())
    twofa.post("2fa/disable", access, {"password": PASSWORD})
    code = twofa.legacy.login()
    response = twofa.legacy.post("verify", {"email": EMAIL, "email_otp": code})
    assert response.status_code == 200


def test_a_new_secret_works_on_the_mfa_php_face_too(twofa, db):
    access = user_without_2fa(twofa, db)
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    twofa.post("2fa/enable", access, {"otp": pyotp.TOTP(secret).now()})
    code = twofa.legacy.login()
    response = twofa.legacy.post(
        "verify", {"email": EMAIL, "email_otp": code, "auth_code": totp(secret, 1)}
    )
    assert response.status_code == 200
