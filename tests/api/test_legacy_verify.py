"""POST /verify: both codes, single use, attempt limit, expiry, replay, and the two outcomes."""

import pytest

from mfa_api.security import tokens
from mfa_api.security.crypto import derive_key
from tests.helpers import CLOCK, together, totp, unseal

EMAIL = "alice@example.com"
INVALID = {"success": False, "error": "Invalid OTP or authentication code"}


def verify(legacy, email_otp, auth_code, **extra):
    return legacy.post(
        "verify", {"email": EMAIL, "email_otp": email_otp, "auth_code": auth_code, **extra}
    )


def test_register_verification_moves_the_user_with_2fa_on(legacy, db):
    secret = legacy.register()["secret"]
    response = verify(legacy, legacy.last_code(EMAIL), totp(secret), type="register")
    assert response.status_code == 200
    assert response.json == {
        "success": True,
        "message": "Registration verification successful",
        "data": {"email": EMAIL},
    }
    assert db.fetch_one("SELECT * FROM waiting_users WHERE email = ?", (EMAIL,)) is None
    user = db.fetch_one("SELECT * FROM users WHERE email = ?", (EMAIL,))
    assert user["is_verified"] == 1 and user["twofa_enabled"] == 1
    assert unseal(user["auth_code"]) == secret and user["names"] == "Alice"
    assert user["phone"] == "250788000001" and user["password"].startswith("$argon2id$")
    assert user["token_version"] == 0 and user["otp"] == ""


def test_login_verification_gives_an_access_token(legacy, app, db):
    secret = legacy.enrolled()
    response = verify(legacy, legacy.login(), totp(secret, 1), type="login")
    assert response.status_code == 200
    assert response.json["success"] is True
    assert response.json["message"] == "Login verification successful"
    assert response.json["data"]["email"] == EMAIL
    key = derive_key(app.config["SECRET_KEY"], "jwt")
    claims = tokens.decode_token(
        response.json["data"]["token"], key=key, kind=tokens.ACCESS, now=int(CLOCK.now())
    )
    user_id = db.fetch_one("SELECT id FROM users WHERE email = ?", (EMAIL,))["id"]
    assert claims["user_id"] == user_id
    assert claims["exp"] - claims["iat"] == 3600


def test_without_type_a_pending_registration_means_register_else_login(legacy):
    secret = legacy.register()["secret"]
    registered = verify(legacy, legacy.last_code(EMAIL), totp(secret))
    assert registered.json["message"] == "Registration verification successful"
    logged_in = verify(legacy, legacy.login(), totp(secret, 1))
    assert logged_in.json["message"] == "Login verification successful"


def test_a_wrong_type_value_is_a_400(legacy):
    response = verify(legacy, "123456", "123456", type="signup")
    assert response.status_code == 400
    assert response.json["error"] == "Invalid verification type"


def test_unknown_pending_registration_or_user_is_a_404(legacy):
    pending = verify(legacy, "123456", "123456", type="register")
    user = verify(legacy, "123456", "123456", type="login")
    assert (pending.status_code, user.status_code) == (404, 404)
    assert pending.json == {"success": False, "error": "Pending registration not found"}
    assert user.json == {"success": False, "error": "User not found"}


@pytest.mark.parametrize("which", ["email_otp", "auth_code"])
def test_either_wrong_code_is_the_same_401(legacy, which):
    secret = legacy.enrolled()
    good = {"email_otp": legacy.login(), "auth_code": totp(secret, 1)}
    good[which] = "000000" if good[which] != "000000" else "111111"
    response = verify(legacy, good["email_otp"], good["auth_code"])
    assert response.status_code == 401
    assert response.json == INVALID


def test_both_codes_are_required_while_2fa_is_on(legacy):
    legacy.enrolled()
    response = legacy.post("verify", {"email": EMAIL, "email_otp": legacy.login()})
    assert response.status_code == 400
    assert response.json["error"] == "Email, OTP and authentication code are required"


def test_a_code_verifies_once_only(legacy):
    secret = legacy.enrolled()
    code = legacy.login()
    assert verify(legacy, code, totp(secret, 1)).status_code == 200
    again = verify(legacy, code, totp(secret, 1))
    assert again.status_code == 401


def test_a_totp_time_step_is_never_accepted_twice(legacy):
    secret = legacy.register()["secret"]
    used = totp(secret)
    assert verify(legacy, legacy.last_code(EMAIL), used).status_code == 200
    replay = verify(legacy, legacy.login(), used)  # same step, fresh email code
    assert replay.status_code == 401
    assert verify(legacy, legacy.login(), totp(secret, 1)).status_code == 200


def test_five_failures_kill_the_code_until_a_new_login(legacy, db):
    secret = legacy.enrolled()
    code = legacy.login()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert verify(legacy, wrong, totp(secret, 1)).status_code == 401
    dead = verify(legacy, code, totp(secret, 1))
    assert dead.status_code == 429
    assert dead.json == {"success": False, "error": "Too many failed attempts; request a new code"}
    fresh = legacy.login()
    waiting = verify(legacy, fresh, totp(secret, 1))  # the account backs off: a new code is
    assert waiting.status_code == 429  # no fresh set of tries
    assert waiting.headers["Retry-After"] == "10"
    CLOCK.advance(10)
    assert verify(legacy, fresh, totp(secret, 1)).status_code == 200


def test_five_failures_kill_a_pending_registration_code_until_it_registers_again(legacy):
    secret = legacy.register()["secret"]
    code = legacy.last_code(EMAIL)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert verify(legacy, wrong, totp(secret)).status_code == 401
    assert verify(legacy, code, totp(secret)).status_code == 429
    secret = legacy.register()["secret"]
    CLOCK.advance(10)  # past the back-off that the five failures earned
    assert verify(legacy, legacy.last_code(EMAIL), totp(secret)).status_code == 200


def test_an_expired_code_is_refused_as_expired(legacy, db):
    secret = legacy.enrolled()
    code = legacy.login()
    db.execute("UPDATE users SET otp_expires_at = otp_expires_at - 301")
    response = verify(legacy, code, totp(secret, 1))
    assert response.status_code == 401
    assert response.json == {"success": False, "error": "OTP has expired"}


def test_an_expired_registration_code_is_refused_as_expired(legacy, db):
    secret = legacy.register()["secret"]
    code = legacy.last_code(EMAIL)
    db.execute("UPDATE waiting_users SET otp_expires_at = otp_expires_at - 301")
    response = verify(legacy, code, totp(secret))
    assert response.json == {"success": False, "error": "OTP has expired"}


def test_with_2fa_off_the_email_code_alone_logs_in(legacy, db):
    legacy.enrolled()
    db.execute("UPDATE users SET twofa_enabled = 0")
    code = legacy.login()
    response = legacy.post("verify", {"email": EMAIL, "email_otp": code, "auth_code": "000000"})
    assert response.status_code == 200
    assert "token" in response.json["data"]
    assert legacy.post("verify", {"email": EMAIL, "email_otp": code}).status_code == 401


def test_a_plain_code_left_by_mfa_php_never_verifies(legacy, db):
    secret = legacy.enrolled()
    db.execute("UPDATE users SET otp = '215075', otp_expires_at = NULL")
    response = verify(legacy, "215075", totp(secret, 1))
    assert response.status_code == 401


def race(app, body, requests=6):
    """POST the same /verify body from several threads released together; their statuses."""

    def send():
        return app.test_client().post("/mfa-php/api/verify", json=body).status_code

    return together(send, requests)


def test_two_racing_requests_with_the_right_codes_never_both_win(legacy, app):
    secret = legacy.enrolled()
    code = legacy.login()
    statuses = race(app, {"email": EMAIL, "email_otp": code, "auth_code": totp(secret, 1)})
    assert statuses.count(200) == 1
    assert all(s in (200, 401, 429) for s in statuses)


def test_two_racing_registration_verifications_create_one_user(legacy, app, db):
    secret = legacy.register()["secret"]
    body = {"email": EMAIL, "email_otp": legacy.last_code(EMAIL), "auth_code": totp(secret)}
    statuses = race(app, body)
    assert statuses.count(200) == 1
    # A loser answers 401 (the code was used), 404 (the sign-up is gone), 429, or 409 when it
    # read the sign-up before the winner committed and finds the account made.
    assert all(s in (200, 401, 404, 409, 429) for s in statuses), statuses
    assert db.fetch_one("SELECT COUNT(*) AS n FROM users", ())["n"] == 1
