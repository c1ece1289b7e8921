"""Changing SECRET_KEY (the answer to a leak): every session ends, as it should, but no user
loses a backup code, a remembered device or a passkey; and a database upgraded from the keyed
hashes keeps them."""

import base64
import re

import pytest
from cryptography.fernet import Fernet, MultiFernet

from mfa_api import create_app
from mfa_api.migrate import upgrade
from mfa_api.migrate_steps import UpgradeRefused, keep_webauthn_handles
from mfa_api.security import crypto
from tests.helpers import (
    PASSWORD,
    TEST_KEY,
    TwoFaClient,
    fresh_totp,
    make_app,
    recorded_mail,
    wrong_totp,
)

NEW_SECRET = "Jq7vT2mXw9LpR4sK8nB3cF6hD1gY5zA0eU-iO_tW2xE"


@pytest.fixture
def rekeyed(store_config):
    """rekeyed(): an app on the same database and store under a new SECRET_KEY, and its client."""
    opened = []

    def client():
        app = make_app({**store_config, "SECRET_KEY": NEW_SECRET})
        mail = recorded_mail(app)
        opened.append(mail)
        return TwoFaClient(app, mail.__enter__())

    yield client
    for mail in opened:
        mail.__exit__(None, None, None)


def test_backup_codes_survive_a_new_secret_key(twofa, rekeyed):
    """Issue 20 (A): an unused code answered "Invalid backup code" after the key changed, while
    the count still said it was there."""
    secret = twofa.user()
    codes, access = twofa.backup_codes(twofa.access(secret), secret)
    after = rekeyed()
    assert after.call("GET", "2fa/backup-codes", access).status_code == 401  # sessions end
    recovered = after.post("2fa/recover", after.challenge(), {"backup_code": codes[0]})
    assert recovered.status_code == 200, recovered.json
    assert recovered.json["remainingBackupCodes"] == 9
    used = after.post("2fa/recover", after.challenge(), {"backup_code": codes[0]})
    assert used.json["message"] == "This backup code was already used"


def remembered_device(twofa, secret) -> str:
    """A login whose second step asked to remember the client; its device token."""
    body = {"otp": fresh_totp(secret), "remember": True}
    answer = twofa.post("2fa/verify", twofa.challenge(), body)
    return answer.json["deviceToken"]


def skips_the_second_step(client, device) -> bool:
    body = {"email": "alice@example.com", "password": PASSWORD, "deviceToken": device}
    answer = client.post("login", body=body)
    assert answer.status_code == 200, answer.json
    return not answer.json["requires2fa"]


def test_a_remembered_device_survives_a_new_secret_key(twofa, rekeyed):
    """Issue 20 (A): device tokens were found by an HMAC keyed from SECRET_KEY."""
    device = remembered_device(twofa, twofa.user())
    assert skips_the_second_step(rekeyed(), device)


def test_a_device_remembered_under_the_keyed_hash_answers_and_moves(twofa, twofa_app, db, rekeyed):
    device = remembered_device(twofa, twofa.user())
    key = crypto.derive_key(twofa_app.config["SECRET_KEY"], "remembered-device")
    db.execute("UPDATE remembered_devices SET token_hash = ?", (crypto.keyed_hash(key, device),))
    assert skips_the_second_step(twofa, device)
    stored = db.fetch_one("SELECT token_hash FROM remembered_devices", ())["token_hash"]
    assert stored == crypto.random_token_hash("remembered-device", device)
    assert skips_the_second_step(rekeyed(), device)  # moved: the next key finds it too


def as_before_the_upgrade(db, app, codes):
    """Put the user's backup codes back as the code before 010 stored them: an HMAC keyed from
    SECRET_KEY and an encrypted copy; and unrecord 010 and 011."""
    key = crypto.derive_key(app.config["SECRET_KEY"], "backup-code")
    ring = MultiFernet([Fernet(TEST_KEY)])
    db.execute("ALTER TABLE backup_codes ADD COLUMN code_encrypted TEXT")
    user_id = db.fetch_one("SELECT user_id FROM backup_codes", ())["user_id"]
    db.execute("DELETE FROM backup_codes", ())
    for code in codes:
        db.execute(
            "INSERT INTO backup_codes (user_id, code_hash, code_encrypted, created_at) "
            "VALUES (?, ?, ?, 0)",
            (user_id, crypto.keyed_hash(key, code), crypto.encrypt(ring, code)),
        )
    db.execute("DELETE FROM schema_version WHERE version IN (10, 11)", ())


def test_an_upgraded_database_keeps_its_backup_codes_and_drops_the_copies(
    twofa, twofa_app, db, rekeyed
):
    secret = twofa.user()
    codes, _ = twofa.backup_codes(twofa.access(secret), secret)
    as_before_the_upgrade(db, twofa_app, codes)
    assert upgrade(db, config=twofa_app.config) == [
        "010_backup_hashes_unkeyed",
        "011_backup_copies_dropped",
    ]
    rows = db.fetch_all("SELECT * FROM backup_codes", ())
    assert len(rows) == 10 and "code_encrypted" not in rows[0]
    recovered = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[1]})
    assert recovered.json["remainingBackupCodes"] == 9
    after = rekeyed()
    recovered = after.post("2fa/recover", after.challenge(), {"backup_code": codes[2]})
    assert recovered.json["remainingBackupCodes"] == 8


def test_an_upgrade_that_cannot_read_a_copy_stops_and_changes_nothing(
    twofa, twofa_app, store_config, db
):
    secret = twofa.user()
    codes, _ = twofa.backup_codes(twofa.access(secret), secret)
    as_before_the_upgrade(db, twofa_app, codes)
    before = db.fetch_all("SELECT code_hash FROM backup_codes ORDER BY id", ())
    stranger = {**store_config, "ENCRYPTION_KEYS": [Fernet.generate_key().decode()]}
    with pytest.raises(UpgradeRefused, match=r"backup_codes id \d+: .*run init-db again"):
        upgrade(db, config=stranger)
    ran = create_app(stranger).test_cli_runner().invoke(args=["init-db"])
    assert ran.exit_code == 1 and "the upgrade stopped: backup_codes id" in ran.output
    assert db.fetch_all("SELECT code_hash FROM backup_codes ORDER BY id", ()) == before
    assert not db.fetch_one("SELECT 1 AS x FROM schema_version WHERE version = 10", ())


def handle_offered(client, secret) -> str:
    """The WebAuthn user handle the creation options give the authenticator."""
    access = client.access(secret)
    options = client.post("passkeys/options", access, client.step_up(secret))
    return options.json["publicKey"]["user"]["id"]


def test_the_passkey_user_handle_survives_a_new_secret_key(twofa, rekeyed):
    """Issue 20 (A): the handle was an HMAC of the user id keyed from SECRET_KEY, so after a
    key change authenticators were told of a new user for the same account."""
    secret = twofa.user()
    before = handle_offered(twofa, secret)
    assert handle_offered(rekeyed(), secret) == before


def test_an_upgrade_keeps_the_handle_of_users_with_passkeys(twofa, twofa_app, db):
    secret = twofa.user()
    user_id = db.fetch_one("SELECT id FROM users", ())["id"]
    db.execute(
        "INSERT INTO passkeys (user_id, credential_id, public_key, sign_count, name, created_at) "
        "VALUES (?, 'AAAA', 'AAAA', 0, 'Key', 0)",
        (user_id,),
    )
    db.execute("UPDATE users SET webauthn_handle = NULL", ())  # as before 012
    keep_webauthn_handles(db, twofa_app.config)  # 012's step (its column exists already)
    key = crypto.derive_key(twofa_app.config["SECRET_KEY"], "webauthn-user")
    handle = db.fetch_one("SELECT webauthn_handle FROM users", ())["webauthn_handle"]
    assert handle == crypto.keyed_hash(key, str(user_id))  # as the authenticators know it
    offered = base64.urlsafe_b64decode(handle_offered(twofa, secret) + "==").hex()
    assert offered == handle


@pytest.fixture
def small_lock(store_config):
    """Lock after 3 failures, without back-off on the way (ask for it before `twofa`)."""
    store_config.update(BACKOFF_AFTER=50, ACCOUNT_BACKOFF_AFTER=50, LOCK_AFTER=3)


def locked_with_token(twofa, secret) -> str:
    """Lock the user's second factor with wrong codes; the token the lock notice mails."""
    for _ in range(3):
        twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    notice = next(m for m in twofa.mailbox if "is locked" in m.subject)
    return re.search(r'"token": "([^"]+)"', notice.text).group(1)


def test_a_mailed_unlock_link_still_unlocks_after_a_new_secret_key(small_lock, twofa, rekeyed):
    token = locked_with_token(twofa, twofa.user())
    after = rekeyed()
    unlocked = after.post("unlock", body={"token": token})
    assert unlocked.json == {"success": True, "message": "Account unlocked"}


def test_an_unlock_token_mailed_under_the_keyed_hash_still_unlocks(
    small_lock, twofa, twofa_app, db
):
    token = locked_with_token(twofa, twofa.user())
    key = crypto.derive_key(twofa_app.config["SECRET_KEY"], "unlock-token")
    db.execute(
        "UPDATE attempt_counters SET unlock_hash = ? WHERE unlock_hash IS NOT NULL",
        (crypto.keyed_hash(key, token),),
    )
    unlocked = twofa.post("unlock", body={"token": token})
    assert unlocked.json == {"success": True, "message": "Account unlocked"}


def test_codes_whose_key_is_lost_are_dropped_when_asked_and_the_rest_kept(
    twofa, twofa_app, store_config, db
):
    secret = twofa.user()
    codes, _ = twofa.backup_codes(twofa.access(secret), secret)
    as_before_the_upgrade(db, twofa_app, codes)
    lost = db.fetch_one("SELECT MIN(id) AS id FROM backup_codes", ())["id"]
    stranger = Fernet(Fernet.generate_key())  # one copy written under a key since lost
    db.execute(
        "UPDATE backup_codes SET code_encrypted = ? WHERE id = ?",
        (crypto.encrypt(MultiFernet([stranger]), codes[0]), lost),
    )
    runner = create_app(store_config).test_cli_runner()
    refused = runner.invoke(args=["init-db"])
    assert refused.exit_code == 1 and "--drop-unreadable-backup-codes" in refused.output
    done = runner.invoke(args=["init-db", "--drop-unreadable-backup-codes"])
    assert done.exit_code == 0, done.output
    assert db.fetch_one("SELECT COUNT(*) AS n FROM backup_codes", ())["n"] == 9
    recovered = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[1]})
    assert recovered.json["remainingBackupCodes"] == 8
