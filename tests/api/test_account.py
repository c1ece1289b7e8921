"""Step-up actions: password change, account deletion, logout."""

from tests.helpers import PASSWORD, fresh_totp

EMAIL = "alice@example.com"
NEW = "a-brand-new-password"


def test_password_change_needs_a_totp_when_2fa_is_on(twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    body = {"current_password": PASSWORD, "new_password": NEW}
    missing = twofa.post("password", access, body)
    assert missing.status_code == 401
    assert missing.json == {"success": False, "message": "2FA code required"}
    wrong_password = twofa.post("password", access, {**body, "current_password": "nope-nope"})
    assert wrong_password.status_code == 401
    short = twofa.post("password", access, {**body, "new_password": "short"})
    assert short.status_code == 400


def test_password_change_gives_a_fresh_token_and_ends_the_old_ones(twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    body = {"current_password": PASSWORD, "new_password": NEW, "otp": fresh_totp(secret)}
    response = twofa.post("password", access, body)
    assert response.status_code == 200
    fresh = response.json["accessToken"]
    assert response.json["tokenType"] == "Bearer"
    assert twofa.call("GET", "2fa/backup-codes", access).status_code == 401
    assert twofa.call("GET", "2fa/backup-codes", fresh).status_code == 200
    old = twofa.post("login", body={"email": EMAIL, "password": PASSWORD})
    assert old.status_code == 401
    assert twofa.post("login", body={"email": EMAIL, "password": NEW}).status_code == 200
    assert any("password of your account was changed" in m.text for m in twofa.mailbox)


def test_deleting_the_account_removes_every_row_of_the_user(twofa, db):
    secret = twofa.user()
    twofa.user(email="bob@example.com", phone="250788000002")
    _, access = twofa.backup_codes(twofa.access(secret), secret)
    missing = twofa.call("DELETE", "account", access, {"password": PASSWORD})
    assert missing.json == {"success": False, "message": "2FA code required"}
    response = twofa.call("DELETE", "account", access, twofa.step_up(secret))
    assert response.json == {"success": True, "message": "Account deleted"}
    assert db.fetch_one("SELECT id FROM users WHERE email = ?", (EMAIL,)) is None
    assert db.fetch_one("SELECT COUNT(*) AS n FROM backup_codes", ())["n"] == 0
    assert db.fetch_one("SELECT COUNT(*) AS n FROM auth_challenges", ())["n"] <= 1  # bob's
    assert db.fetch_one("SELECT id FROM users WHERE email = ?", ("bob@example.com",))
    assert twofa.post("2fa/setup", access).status_code == 404


def test_logout_ends_the_presented_token_only(twofa):
    secret = twofa.user()
    codes, first = twofa.backup_codes(twofa.access(secret), secret)
    second = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[0]}).json[
        "accessToken"
    ]
    response = twofa.post("logout", first)
    assert response.json == {"success": True, "message": "Logged out"}
    assert twofa.post("2fa/setup", first).status_code == 401
    assert twofa.post("logout", first).status_code == 401
    assert twofa.call("GET", "2fa/backup-codes", second).status_code == 200


def test_a_new_password_may_not_be_a_common_one(twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    body = {"current_password": PASSWORD, "new_password": "Passw0rd!", "otp": fresh_totp(secret)}
    response = twofa.post("password", access, body)
    assert response.status_code == 400
    assert list(response.json["errors"]) == ["new_password"]
