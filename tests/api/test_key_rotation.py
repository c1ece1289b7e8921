"""ENCRYPTION_KEYS: a key ring read with any key and written with the newest; rotate-keys moves
every sealed secret to the newest key; a value no key opens is a 503, never a 500."""

import json

import pytest
from cryptography.fernet import Fernet

from mfa_api.security import crypto
from tests.helpers import PASSWORD, TwoFaClient, make_app, recorded_mail, totp

OLD, NEW, STRANGER = (Fernet.generate_key().decode() for _ in range(3))


@pytest.fixture
def apps(store_config):
    """apps(keys...): an app on the same database and store with that key ring, and its client."""
    made = []

    def app_with(*keys):
        app = make_app({**store_config, "ENCRYPTION_KEYS": list(keys)})
        mail = recorded_mail(app)
        made.append(mail)
        return TwoFaClient(app, mail.__enter__())

    yield app_with
    for mail in made:
        mail.__exit__(None, None, None)


def seeds(db):
    return {
        r["email"]: r["auth_code"] for r in db.fetch_all("SELECT email, auth_code FROM users", ())
    }


def sealed_under(key, stored):
    return Fernet(key).decrypt(stored.removeprefix(crypto.ENCRYPTED_PREFIX).encode())


def rotate(client):
    result = client.app.test_cli_runner().invoke(args=["rotate-keys"])
    return result.exit_code, result.output


@pytest.fixture
def three_users(apps, database_url):
    """alice sealed under OLD, bob under NEW, carol in plain text; their TOTP secrets."""
    old = apps(OLD)
    alice = old.user()
    old.backup_codes(old.access(alice), alice)
    new = apps(NEW, OLD)
    bob = new.user(email="bob@example.com", phone="250788000002")
    carol = new.user(email="carol@example.com", phone="250788000003")
    return {"alice@example.com": alice, "bob@example.com": bob, "carol@example.com": carol}


def test_a_ring_reads_every_key_and_writes_with_the_newest(three_users, apps, db):
    db.execute(
        "UPDATE users SET auth_code = ? WHERE email = ?",
        (three_users["carol@example.com"], "carol@example.com"),
    )
    stored = seeds(db)
    assert sealed_under(OLD, stored["alice@example.com"])
    assert sealed_under(NEW, stored["bob@example.com"])
    client = apps(NEW, OLD)
    for email, secret in three_users.items():
        assert client.access(secret, email=email)


def test_rotation_moves_every_secret_to_the_newest_key_and_can_run_again(three_users, apps, db):
    carol = three_users["carol@example.com"]
    db.execute("UPDATE users SET auth_code = ? WHERE email = ?", (carol, "carol@example.com"))
    client = apps(NEW, OLD)
    dave = client.user(email="dave@example.com", phone="250788000004")
    setup_access = client.without_2fa(dave, email="dave@example.com")
    client.post("2fa/setup", setup_access)  # a pending setup, sealed under NEW already
    code, output = rotate(client)
    assert code == 0, output
    assert "users.auth_code: 2 re-encrypted, 1 already under the newest key, 0 unreadable" in output
    assert "backup_codes" not in output  # hashes only: nothing sealed to move
    assert "pending 2FA setups: 0 re-encrypted, 1 already" in output
    for stored in seeds(db).values():
        if stored:
            assert sealed_under(NEW, stored)
    code, output = rotate(client)
    assert "users.auth_code: 0 re-encrypted, 3 already under the newest key" in output
    newest_only = apps(NEW)
    for email in ("alice@example.com", "carol@example.com"):
        assert newest_only.access(three_users[email], email=email)
    left = newest_only.call(
        "GET", "2fa/backup-codes", newest_only.access(three_users["alice@example.com"])
    )
    assert left.json["remaining"] == 10


def test_backup_codes_made_before_any_key_was_set_still_work_after_rotation(store_config, apps):
    plain = make_app({**store_config, "ENCRYPTION_KEYS": None, "ALLOW_PLAINTEXT_SECRETS": True})
    with recorded_mail(plain) as mail:
        client = TwoFaClient(plain, mail)
        secret = client.user()
        codes, _ = client.backup_codes(client.access(secret), secret)
    keyed = apps(NEW)
    code, output = rotate(keyed)
    assert code == 0, output
    recovered = keyed.post("2fa/recover", keyed.challenge(), {"backup_code": codes[0]})
    assert recovered.json["remainingBackupCodes"] == 9


def test_a_value_no_key_opens_is_a_503_with_the_row_in_the_log(three_users, apps, db, caplog):
    stranger = apps(STRANGER)
    alice = three_users["alice@example.com"]
    response = stranger.post("2fa/verify", stranger.challenge(), {"otp": "123456"})
    assert response.status_code == 503
    assert response.json == {
        "success": False,
        "message": "A stored secret cannot be read; the operator must check ENCRYPTION_KEYS",
    }
    user_id = db.fetch_one("SELECT id FROM users WHERE email = ?", ("alice@example.com",))["id"]
    assert f"users id {user_id}" in caplog.text
    assert alice not in caplog.text
    code, output = rotate(stranger)
    assert code == 1 and "3 unreadable" in output


def test_gen_key_prints_a_key_for_the_ring(apps):
    output = apps(NEW).app.test_cli_runner().invoke(args=["gen-key"]).output.strip()
    assert Fernet(output)
    assert json.loads(json.dumps([output]))


def test_a_secret_moving_during_a_rotation_is_sealed_under_the_newest_key(apps, db):
    old = apps(OLD)
    dave = old.user(email="dave@example.com", phone="250788000004")
    access = old.without_2fa(dave, email="dave@example.com")
    setup = old.post("2fa/setup", access).json  # the pending setup, sealed under OLD
    erin = old.legacy.register(email="erin@example.com", phone="250788000005")  # and a sign-up
    erin_code = old.last_code("erin@example.com")
    new = apps(NEW, OLD)  # rotated meanwhile: these rows moved after rotate-keys passed them
    enabled = new.post(
        "2fa/enable", access, {"password": PASSWORD, "otp": totp(setup["secretKey"])}
    )
    assert enabled.status_code == 200
    verified = new.legacy.post(
        "verify",
        {"email": "erin@example.com", "email_otp": erin_code, "auth_code": totp(erin["secret"])},
    )
    assert verified.status_code == 200
    stored = seeds(db)
    for email in ("dave@example.com", "erin@example.com"):
        assert sealed_under(NEW, stored[email]), email
