"""Remember this device: a second step with "remember": true hands out a device token that
skips the second step at that client's next logins, until it expires, is forgotten, or the
user's tokens are revoked."""

import pytest

from mfa_api.store.attempts import SECOND_FACTOR
from tests.helpers import CLOCK, PASSWORD, fresh_totp

EMAIL = "alice@example.com"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def remembered(twofa, secret, email=EMAIL) -> dict:
    """A login whose second step asks to remember the client; its answer."""
    body = {"otp": fresh_totp(secret), "remember": True}
    response = twofa.post("2fa/verify", twofa.challenge(email), body, headers=BROWSER)
    assert response.status_code == 200, response.json
    return response.json


def login(twofa, device_token, email=EMAIL):
    body = {"email": email, "password": PASSWORD, "deviceToken": device_token}
    return twofa.post("login", body=body)


def skips(twofa, device_token, email=EMAIL) -> bool:
    """True when the device token let the login through without a second step."""
    response = login(twofa, device_token, email)
    assert response.status_code == 200, response.json
    if response.json["requires2fa"]:
        return False
    assert response.json["tokenType"] == "Bearer" and response.json["accessToken"]
    return True


def test_a_remembered_device_logs_in_without_the_second_step(twofa, db):
    secret = twofa.user()
    answer = remembered(twofa, secret)
    token = answer["deviceToken"]
    assert answer["deviceExpiresIn"] == 30 * 86400 and len(token) >= 43
    assert skips(twofa, token)
    access = login(twofa, token).json["accessToken"]
    assert twofa.call("GET", "events", access).status_code == 200
    event = db.fetch_one(
        "SELECT detail FROM security_events WHERE event = 'login_succeeded' ORDER BY id DESC", ()
    )
    assert "remembered_device" in event["detail"]
    stored = db.fetch_all("SELECT * FROM remembered_devices", ())
    assert len(stored) == 1 and token not in str(stored)  # only its hash is kept


def test_a_remembered_device_s_login_does_not_show_the_backup_codes(twofa):
    """The codes answer every step-up: the password and a device token must not reach them
    (no session can: only the answer that made them showed them)."""
    secret = twofa.user()
    codes, _ = twofa.backup_codes(twofa.access(secret), secret)
    device_token = remembered(twofa, secret)["deviceToken"]
    access = login(twofa, device_token).json["accessToken"]
    shown = twofa.call("GET", "2fa/backup-codes", access, headers={"X-Password": PASSWORD})
    assert shown.json == {"success": True, "remaining": 10}
    assert not any(code in shown.text for code in codes)


def test_without_remember_there_is_no_device_token(twofa):
    secret = twofa.user()
    answer = twofa.post("2fa/verify", twofa.challenge(), {"otp": fresh_totp(secret)}).json
    assert "deviceToken" not in answer and "deviceExpiresIn" not in answer


def test_remember_must_be_a_boolean(twofa):
    secret = twofa.user()
    body = {"otp": fresh_totp(secret), "remember": "yes"}
    assert twofa.post("2fa/verify", twofa.challenge(), body).status_code == 400


def test_a_wrong_expired_or_other_users_token_gets_the_second_step(twofa):
    alice = twofa.user()
    bob = twofa.user(email="bob@example.com", phone="250788000002")
    bobs = remembered(twofa, bob, "bob@example.com")["deviceToken"]
    alices = remembered(twofa, alice)["deviceToken"]
    assert not skips(twofa, bobs)  # Bob's device is not Alice's
    assert not skips(twofa, "made-up-" + "x" * 40)
    assert not skips(twofa, "")
    assert not skips(twofa, None)
    assert login(twofa, 42).status_code == 400
    assert skips(twofa, alices)
    CLOCK.advance(30 * 86400 + 1)
    assert not skips(twofa, alices)


@pytest.fixture
def one_day(store_config):
    store_config["REMEMBER_DEVICE_DAYS"] = 1
    return store_config


def test_the_lifetime_is_a_setting(one_day, twofa):
    answer = remembered(twofa, twofa.user())
    assert answer["deviceExpiresIn"] == 86400
    CLOCK.advance(86400 - 10)
    assert skips(twofa, answer["deviceToken"])
    CLOCK.advance(20)
    assert not skips(twofa, answer["deviceToken"])


def test_a_backup_code_login_may_remember_the_device_too(twofa):
    secret = twofa.user()
    codes, _ = twofa.backup_codes(twofa.access(secret), secret)
    body = {"backup_code": codes[0], "remember": True}
    answer = twofa.post("2fa/recover", twofa.challenge(), body).json
    assert answer["remainingBackupCodes"] == 9
    assert skips(twofa, answer["deviceToken"])


def test_devices_are_listed_and_forgotten_one_or_all(twofa):
    secret = twofa.user()
    first = remembered(twofa, secret)["deviceToken"]
    second = remembered(twofa, secret)["deviceToken"]
    access = twofa.access(secret)
    listed = twofa.call("GET", "devices", access).json["devices"]
    assert len(listed) == 2
    assert listed[0]["label"] == BROWSER["User-Agent"]
    assert set(listed[0]) == {"id", "label", "createdAt", "lastUsedAt", "expiresAt"}
    assert listed[0]["expiresAt"].endswith("Z")
    newest = listed[0]["id"]
    forgotten = twofa.call("DELETE", f"devices/{newest}", access)
    assert forgotten.json == {"success": True, "message": "Device forgotten"}
    assert not skips(twofa, second) and skips(twofa, first)
    again = twofa.call("DELETE", f"devices/{newest}", access)
    assert again.status_code == 404
    assert again.json == {"success": False, "message": "Device not found"}
    everything = twofa.call("DELETE", "devices", access)
    assert everything.json == {"success": True, "message": "Every device forgotten"}
    assert not skips(twofa, first)
    assert twofa.call("GET", "devices", access).json["devices"] == []


def test_nobody_forgets_or_sees_another_users_devices(twofa):
    alice = twofa.user()
    token = remembered(twofa, alice)["deviceToken"]
    alice_access = twofa.access(alice)
    device_id = twofa.call("GET", "devices", alice_access).json["devices"][0]["id"]
    bob = twofa.user(email="bob@example.com", phone="250788000002")
    bob_access = twofa.access(bob, email="bob@example.com")
    assert twofa.call("GET", "devices", bob_access).json["devices"] == []
    assert twofa.call("DELETE", f"devices/{device_id}", bob_access).status_code == 404
    assert skips(twofa, token)


def test_a_password_change_forgets_every_device(twofa):
    secret = twofa.user()
    token = remembered(twofa, secret)["deviceToken"]
    access = twofa.access(secret)
    body = {"current_password": PASSWORD, "new_password": "Another-Orchid-77"}
    fresh = twofa.post("password", access, {**body, "otp": fresh_totp(secret)}).json["accessToken"]
    changed = {"email": EMAIL, "password": "Another-Orchid-77", "deviceToken": token}
    assert twofa.post("login", body=changed).json["requires2fa"] is True
    assert twofa.call("GET", "devices", fresh).json["devices"] == []


def test_turning_2fa_off_and_on_again_forgets_every_device(twofa):
    secret = twofa.user()
    token = remembered(twofa, secret)["deviceToken"]
    access = twofa.without_2fa(secret)
    assert skips(twofa, token)  # 2FA off: no second step for anyone
    new_secret = twofa.post("2fa/setup", access).json["secretKey"]
    enable = {"password": PASSWORD, "otp": fresh_totp(new_secret)}
    assert twofa.post("2fa/enable", access, enable).status_code == 200
    assert not skips(twofa, token)


def test_logging_out_everywhere_ends_every_token_and_device(twofa):
    secret = twofa.user()
    token = remembered(twofa, secret)["deviceToken"]
    access, other = twofa.access(secret), twofa.access(secret)
    response = twofa.post("logout", access, {"everywhere": True})
    assert response.json == {"success": True, "message": "Logged out everywhere"}
    assert twofa.call("GET", "events", access).status_code == 401
    assert twofa.call("GET", "events", other).status_code == 401
    assert not skips(twofa, token)
    plain = twofa.post("logout", twofa.access(secret))  # no body: only that token
    assert plain.json == {"success": True, "message": "Logged out"}
    assert twofa.post("logout", twofa.access(secret), {"everywhere": "yes"}).status_code == 400


def test_a_locked_account_stays_locked_for_remembered_devices(twofa, db):
    secret = twofa.user()
    token = remembered(twofa, secret)["deviceToken"]
    db.execute(
        "INSERT INTO attempt_counters (scope, subject, failures, next_attempt_at, updated_at) "
        "VALUES (?, ?, 1000, 0, 0)",
        (SECOND_FACTOR, EMAIL),
    )
    assert login(twofa, token).status_code == 423


def test_deleting_the_account_deletes_its_devices(twofa, db):
    secret = twofa.user()
    remembered(twofa, secret)
    deleted = twofa.call("DELETE", "account", twofa.access(secret), body=twofa.step_up(secret))
    assert deleted.status_code == 200
    assert db.fetch_all("SELECT id FROM remembered_devices", ()) == []
