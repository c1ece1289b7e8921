"""POST /api/auth/login and /2fa/verify with a challenge: the 2FA face's login, and its tokens."""

import jwt

from mfa_api.security import tokens
from mfa_api.security.crypto import derive_key
from tests.helpers import CLOCK, PASSWORD, totp

EMAIL = "alice@example.com"


def test_with_2fa_on_login_gives_a_challenge_token(twofa):
    twofa.user()
    response = twofa.post("login", body={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json
    assert body["success"] is True and body["requires2fa"] is True
    assert body["message"] == "2FA verification required"
    claims = jwt.decode(body["challengeToken"], options={"verify_signature": False})
    assert claims["kind"] == "challenge" and claims["exp"] - claims["iat"] == 300
    assert "accessToken" not in body


def test_with_2fa_off_login_gives_an_access_token(twofa, db):
    twofa.user()
    db.execute("UPDATE users SET twofa_enabled = 0")
    response = twofa.post("login", body={"email": EMAIL, "password": PASSWORD})
    body = response.json
    assert (body["success"], body["requires2fa"]) == (True, False)
    assert body["tokenType"] == "Bearer" and body["expiresIn"] == 3600
    assert jwt.decode(body["accessToken"], options={"verify_signature": False})["kind"] == "access"


def test_wrong_credentials_are_one_401_in_the_2fa_shape(twofa):
    twofa.user()
    for email, password in [(EMAIL, "wrong-password"), ("nobody@example.com", PASSWORD)]:
        response = twofa.post("login", body={"email": email, "password": password})
        assert response.status_code == 401
        assert response.json == {"success": False, "message": "Invalid credentials"}


def test_challenge_and_totp_give_an_access_token_that_works(twofa):
    secret = twofa.user()
    response = twofa.post("2fa/verify", twofa.challenge(), {"otp": totp(secret, 1)})
    assert response.status_code == 200
    body = response.json
    assert body["message"] == "2FA verification successful"
    assert body["tokenType"] == "Bearer" and body["expiresIn"] == 3600
    setup = twofa.post("2fa/setup", body["accessToken"])
    assert setup.json == {"success": False, "message": "2FA already enabled"}


def test_code_is_a_synonym_of_otp_and_codes_are_exactly_six_digits(twofa):
    secret = twofa.user()
    challenge = twofa.challenge()
    assert twofa.post("2fa/verify", challenge, {"otp": "12345"}).status_code == 400
    assert twofa.post("2fa/verify", challenge, {}).status_code == 400
    assert twofa.post("2fa/verify", challenge, {"code": totp(secret, 1)}).status_code == 200


def test_a_totp_step_is_not_accepted_twice_across_both_faces(twofa):
    secret = twofa.legacy.register()["secret"]
    used = totp(secret)
    assert (
        twofa.legacy.post(
            "verify", {"email": EMAIL, "email_otp": twofa.last_code(), "auth_code": used}
        ).status_code
        == 200
    )
    response = twofa.post("2fa/verify", twofa.challenge(), {"otp": used})
    assert response.status_code == 401
    message = "This code was already used; wait for the next one"
    assert response.json == {"success": False, "message": message}


def test_five_wrong_codes_kill_the_challenge(twofa):
    secret = twofa.user()
    challenge = twofa.challenge()
    right = totp(secret, 1)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        assert twofa.post("2fa/verify", challenge, {"otp": wrong}).status_code == 401
    dead = twofa.post("2fa/verify", challenge, {"otp": right})
    assert dead.status_code == 401
    assert "log in again" in dead.json["message"]
    fresh = twofa.challenge()
    waiting = twofa.post("2fa/verify", fresh, {"otp": right})  # a new challenge brings no
    assert waiting.status_code == 429  # fresh set of tries: the account backs off
    assert waiting.headers["Retry-After"] == "10"
    CLOCK.advance(10)
    assert twofa.post("2fa/verify", fresh, {"otp": right}).status_code == 200


def test_a_challenge_answers_once(twofa, db):
    secret = twofa.user()
    challenge = twofa.challenge()
    assert twofa.post("2fa/verify", challenge, {"otp": totp(secret, 1)}).status_code == 200
    db.execute("UPDATE users SET totp_last_step = NULL")  # so only the challenge can refuse
    assert twofa.post("2fa/verify", challenge, {"otp": totp(secret, 1)}).status_code == 401


def test_each_token_kind_is_refused_where_the_other_is_needed(twofa):
    secret = twofa.user()
    challenge = twofa.challenge()
    assert twofa.post("2fa/setup", challenge).status_code == 401
    assert twofa.post("logout", challenge).status_code == 401
    access = twofa.access(secret)
    assert twofa.post("2fa/recover", access, {"backup_code": "x"}).status_code == 401
    assert twofa.post("2fa/resend-otp", access).status_code == 401


def test_missing_malformed_expired_or_foreign_tokens_are_401(twofa, twofa_app):
    twofa.user()
    key = derive_key(twofa_app.config["SECRET_KEY"], "jwt")
    expired = tokens.issue_token(
        user_id=1, token_version=0, kind="access", key=key, ttl=10, now=int(CLOCK.now()) - 60
    )
    foreign = tokens.issue_token(
        user_id=1, token_version=0, kind="access", key=b"k" * 32, ttl=60, now=int(CLOCK.now())
    )
    for token in [None, "garbage", expired, foreign]:
        response = twofa.post("2fa/setup", token)
        assert response.status_code == 401
        assert response.json["success"] is False
    basic = twofa.post("2fa/setup", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


def test_the_mfa_php_faces_token_works_here(twofa):
    secret = twofa.user()
    code = twofa.legacy.login()
    verified = twofa.legacy.post(
        "verify", {"email": EMAIL, "email_otp": code, "auth_code": totp(secret, 1)}
    )
    token = verified.json["data"]["token"]
    response = twofa.call("GET", "2fa/backup-codes", token)
    assert response.status_code == 200


def test_a_token_whose_user_is_gone_gets_404(twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    db.execute("DELETE FROM users")
    response = twofa.post("2fa/setup", access)
    assert response.status_code == 404
    assert response.json == {"success": False, "message": "User not found"}
