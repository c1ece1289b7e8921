"""Setup, verify with an access token, enable and disable."""

import base64

from tests.helpers import PASSWORD, fresh_totp, totp

EMAIL = "alice@example.com"


def test_setup_and_generate_make_a_pending_secret_with_its_qr_code(twofa, db):
    access = twofa.without_2fa(twofa.user())
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


def test_enable_needs_the_password_and_the_pending_secrets_code(twofa, db):
    access = twofa.without_2fa(twofa.user())
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    no_password = twofa.post("2fa/enable", access, {"otp": totp(secret)})
    assert no_password.status_code == 400
    wrong_password = twofa.post(
        "2fa/enable", access, {"password": "nope-nope", "otp": totp(secret)}
    )
    assert wrong_password.json == {"success": False, "message": "Invalid password"}
    wrong = "000000" if totp(secret) != "000000" else "111111"
    assert twofa.post("2fa/enable", access, {"password": PASSWORD, "otp": wrong}).status_code == 401
    response = twofa.post("2fa/enable", access, {"password": PASSWORD, "otp": totp(secret)})
    assert response.status_code == 200
    assert response.json["message"] == "2FA has been enabled successfully"
    assert response.json["tokenType"] == "Bearer" and response.json["accessToken"]
    login = twofa.post("login", body={"email": EMAIL, "password": PASSWORD})
    assert login.json["requires2fa"] is True
    verify = twofa.post("2fa/verify", login.json["challengeToken"], {"otp": fresh_totp(secret)})
    assert verify.status_code == 200
    assert "turned on" in twofa.mailbox[-1].text


def test_enabling_ends_every_earlier_token_but_the_fresh_one_works(twofa):
    access = twofa.without_2fa(twofa.user())
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    response = twofa.post("2fa/enable", access, {"password": PASSWORD, "otp": totp(secret)})
    assert twofa.post("2fa/setup", access).status_code == 401
    fresh = response.json["accessToken"]
    assert twofa.post("2fa/setup", fresh).json["message"] == "2FA already enabled"


def test_the_step_used_to_enable_cannot_be_replayed_at_login(twofa, db):
    access = twofa.without_2fa(twofa.user())
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    code = totp(secret)
    assert twofa.post("2fa/enable", access, {"password": PASSWORD, "otp": code}).status_code == 200
    assert twofa.post("2fa/verify", twofa.challenge(), {"otp": code}).status_code == 401


def test_enable_without_otp_after_verify_confirmed_the_setup(twofa, db):
    access = twofa.without_2fa(twofa.user())
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    unconfirmed = twofa.post("2fa/enable", access, {"password": PASSWORD})
    assert unconfirmed.status_code == 401
    verify = twofa.post("2fa/verify", access, {"code": totp(secret)})
    assert verify.json == {"success": True, "message": "Code verified successfully"}
    assert twofa.post("2fa/enable", access, {"password": PASSWORD}).status_code == 200
    assert db.fetch_one("SELECT twofa_enabled FROM users", ())["twofa_enabled"] == 1


def test_the_step_that_confirmed_the_setup_cannot_answer_a_later_challenge(twofa):
    access = twofa.without_2fa(twofa.user())
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    code = totp(secret)
    assert twofa.post("2fa/verify", access, {"otp": code}).status_code == 200
    assert twofa.post("2fa/verify", access, {"otp": code}).status_code == 401  # not twice
    assert twofa.post("2fa/enable", access, {"password": PASSWORD}).status_code == 200
    assert twofa.post("2fa/verify", twofa.challenge(), {"otp": code}).status_code == 401


def test_enable_when_2fa_is_on_is_a_400(twofa):
    access = twofa.access(twofa.user())
    response = twofa.post("2fa/enable", access, {"password": PASSWORD, "otp": "123456"})
    assert response.status_code == 400
    assert response.json == {"success": False, "message": "2FA already enabled"}


def test_enable_with_no_pending_setup_is_a_400(twofa, db):
    access = twofa.without_2fa(twofa.user())
    response = twofa.post("2fa/enable", access, {"password": PASSWORD, "otp": "123456"})
    assert response.status_code == 400
    assert response.json == {"success": False, "message": "No pending 2FA setup"}


def test_verify_with_an_access_token_checks_the_active_secret(twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    code = fresh_totp(secret)
    wrong = twofa.post("2fa/verify", access, {"otp": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 401
    assert wrong.json == {"success": False, "message": "Invalid code"}
    ok = twofa.post("2fa/verify", access, {"otp": code})
    assert ok.json == {"success": True, "message": "Code verified successfully"}
    assert twofa.post("2fa/verify", access, {"otp": code}).status_code == 401  # no replay


def test_disable_needs_the_password_and_a_second_factor_and_ends_every_earlier_token(twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    codes, access = twofa.backup_codes(access, secret)
    wrong = twofa.post("2fa/disable", access, twofa.step_up(secret, password="not-the-password"))
    assert wrong.status_code == 401
    assert wrong.json == {"success": False, "message": "Invalid password"}
    no_code = twofa.post("2fa/disable", access, {"password": PASSWORD})
    assert no_code.json == {"success": False, "message": "2FA code required"}
    response = twofa.post("2fa/disable", access, {"password": PASSWORD, "otp": codes[0]})
    assert response.json["message"] == "2FA has been disabled"
    assert response.json["success"] is True and response.json["accessToken"]
    assert twofa.post("2fa/setup", access).status_code == 401  # the old token is dead
    assert twofa.post("2fa/setup", response.json["accessToken"]).status_code == 200
    row = db.fetch_one("SELECT twofa_enabled, auth_code, totp_last_step FROM users", ())
    assert row == {"twofa_enabled": 0, "auth_code": "", "totp_last_step": None}
    assert db.fetch_one("SELECT COUNT(*) AS n FROM backup_codes", ())["n"] == 0
    assert "turned off" in twofa.mailbox[-1].text


def test_after_disable_the_mfa_php_face_needs_the_email_code_only(twofa, db):
    twofa.without_2fa(twofa.user())
    code = twofa.legacy.login()
    response = twofa.legacy.post("verify", {"email": EMAIL, "email_otp": code})
    assert response.status_code == 200


def test_a_new_secret_works_on_the_mfa_php_face_too(twofa, db):
    access = twofa.without_2fa(twofa.user())
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    enabled = twofa.post("2fa/enable", access, {"password": PASSWORD, "otp": totp(secret)})
    assert enabled.status_code == 200
    code = twofa.legacy.login()
    response = twofa.legacy.post(
        "verify", {"email": EMAIL, "email_otp": code, "auth_code": fresh_totp(secret)}
    )
    assert response.status_code == 200
