"""`flask users ...`: an administrator's commands, each written to the user's audit trail."""

import pytest

from tests.helpers import PASSWORD, wrong_totp

EMAIL = "alice@example.com"


@pytest.fixture
def admin(twofa, twofa_app):
    """Runs `flask users <args>` against the test app; its output (exit code 0 asserted)."""

    def run(*args, code=0):
        result = twofa_app.test_cli_runner().invoke(args=["users", *args])
        assert result.exit_code == code, result.output
        return result.output

    return run


def last_event(db):
    return db.fetch_one("SELECT event, ip, detail FROM security_events ORDER BY id DESC", ())


def test_show_prints_the_state_and_counters_but_no_secret(defence_small, twofa, admin, db):
    secret = twofa.user()
    twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    output = admin("show", "ALICE@example.com")
    assert "email:         alice@example.com" in output
    assert "2FA:           on" in output and "locked:        no" in output
    assert "second-factor: 1" in output
    row = db.fetch_one("SELECT auth_code, password FROM users", ())
    assert secret not in output and row["password"] not in output and row["auth_code"] not in output
    assert "250788000001" not in output  # the phone is masked
    assert last_event(db)["event"] == "admin_viewed" and last_event(db)["ip"] == "cli"


def test_unlock_lifts_a_lock(defence_small, twofa, admin, db):
    secret = twofa.user()
    for _ in range(2):
        twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    assert twofa.post("login", body={"email": EMAIL, "password": PASSWORD}).status_code == 423
    assert "Unlocked" in admin("unlock", EMAIL)
    assert twofa.post("login", body={"email": EMAIL, "password": PASSWORD}).status_code == 200
    assert last_event(db)["event"] == "unlocked"
    assert '"by":"admin"' in last_event(db)["detail"]


def test_reset_2fa_turns_it_off_and_ends_every_token(twofa, admin, db):
    access = twofa.access(twofa.user())
    admin("reset-2fa", EMAIL)
    assert twofa.post("2fa/setup", access).status_code == 401
    login = twofa.post("login", body={"email": EMAIL, "password": PASSWORD})
    assert login.json["requires2fa"] is False
    assert "twofa_disabled" in {
        e["event"] for e in db.fetch_all("SELECT event FROM security_events", ())
    }


def test_revoke_tokens(twofa, admin, db):
    access = twofa.access(twofa.user())
    admin("revoke-tokens", EMAIL)
    assert twofa.post("2fa/setup", access).status_code == 401
    assert last_event(db)["event"] == "tokens_revoked"


def test_delete_asks_unless_told_yes(twofa, admin, db):
    twofa.user()
    admin("delete", EMAIL, code=1)  # no confirmation on stdin: aborted
    assert db.fetch_one("SELECT id FROM users", ()) is not None
    admin("delete", EMAIL, "--yes")
    assert db.fetch_one("SELECT id FROM users", ()) is None
    assert last_event(db)["event"] == "account_deleted"


def test_events_lists_the_trail(twofa, admin):
    twofa.user()
    twofa.post("login", body={"email": EMAIL, "password": "wrong-password"})
    output = admin("events", EMAIL)
    assert "login_failed" in output and "registered" in output


def test_an_unknown_email_is_a_clear_error(twofa, admin):
    output = admin("show", "nobody@example.com", code=1)
    assert "No user with the email 'nobody@example.com'" in output


@pytest.fixture
def defence_small(store_config):
    """Lock after 2 second-factor failures (ask for it before `twofa`)."""
    store_config.update(BACKOFF_AFTER=5, LOCK_AFTER=2)
