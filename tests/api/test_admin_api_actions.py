"""The admin API's actions over HTTP do what `flask users …` does: the same rows, the same
audit events, mail where the CLI mails; an unknown user is a 404."""

import pytest

from tests.helpers import PASSWORD, wrong_totp

EMAIL = "alice@example.com"


@pytest.fixture
def defence_small(store_config):
    """Lock after 2 second-factor failures (ask for it before `twofa`)."""
    store_config.update(BACKOFF_AFTER=5, LOCK_AFTER=2)


def events_of(db) -> list[str]:
    return [r["event"] for r in db.fetch_all("SELECT event FROM security_events ORDER BY id", ())]


def locked(twofa, secret):
    for _ in range(2):
        twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    assert twofa.post("login", body={"email": EMAIL, "password": PASSWORD}).status_code == 423


def test_unlock_lifts_the_lock_and_mails_the_owner_as_the_cli_does(
    defence_small, twofa, twofa_app, admin_call, admin_keys, db
):
    secret = twofa.user()
    locked(twofa, secret)
    twofa.mailbox.clear()
    shown = admin_call("GET", f"users/{EMAIL}", admin_keys.create())
    assert shown.json["user"]["locked"] is True
    response = admin_call(
        "POST", "users/Alice%40example.com/unlock", admin_keys.create("users:write")
    )
    assert response.status_code == 200 and response.json["message"] == "Account unlocked"
    assert twofa.post("login", body={"email": EMAIL, "password": PASSWORD}).status_code == 200
    api_mail = [(m.to, m.subject, m.text) for m in twofa.mailbox]
    assert api_mail and all(to == EMAIL for to, _, _ in api_mail)
    locked(twofa, secret)
    twofa.mailbox.clear()
    twofa_app.test_cli_runner().invoke(args=["users", "unlock", EMAIL])
    assert [(m.to, m.subject, m.text) for m in twofa.mailbox] == api_mail
    assert events_of(db).count("unlocked") == 2


def test_reset_2fa_turns_it_off_and_ends_every_token(twofa, admin_call, admin_keys, db):
    access = twofa.access(twofa.user())
    twofa.mailbox.clear()
    response = admin_call("POST", f"users/{EMAIL}/reset-2fa", admin_keys.create("users:write"))
    assert response.status_code == 200
    assert twofa.post("2fa/setup", access).status_code == 401
    assert (
        twofa.post("login", body={"email": EMAIL, "password": PASSWORD}).json["requires2fa"]
        is False
    )
    assert "twofa_disabled" in events_of(db) and twofa.mailbox[:1] == []  # as the CLI: no mail


def test_revoke_tokens_ends_every_token(twofa, admin_call, admin_keys, db):
    access = twofa.access(twofa.user())
    assert (
        admin_call("POST", f"users/{EMAIL}/revoke-tokens", admin_keys.create()).status_code == 200
    )
    assert twofa.post("2fa/setup", access).status_code == 401
    assert events_of(db)[-2:] == ["tokens_revoked", "admin_api_call"]


def test_delete_removes_the_user(twofa, admin_call, admin_keys, db):
    twofa.user()
    key = admin_keys.create()
    assert admin_call("DELETE", f"users/{EMAIL}", key).status_code == 200
    assert db.fetch_one("SELECT id FROM users", ()) is None
    assert admin_call("GET", f"users/{EMAIL}", key).status_code == 404
    gone = db.fetch_one("SELECT detail FROM security_events WHERE event = 'account_deleted'", ())
    assert '"by":"admin"' in gone["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("POST", "/unlock"),
        ("POST", "/reset-2fa"),
        ("POST", "/revoke-tokens"),
        ("DELETE", ""),
        ("GET", "/events"),
    ],
)
def test_an_unknown_user_is_404_on_every_route(twofa, admin_call, admin_keys, method, path):
    response = admin_call(method, f"users/nobody%40example.com{path}", admin_keys.create())
    assert response.status_code == 404
    assert response.json == {
        "success": False,
        "message": "No user with the email 'nobody@example.com'",
    }


def test_write_routes_need_users_write(twofa, admin_call, admin_keys):
    twofa.user()
    key = admin_keys.create("users:read,events:read")
    for method, path in [("POST", "/unlock"), ("POST", "/reset-2fa"), ("DELETE", "")]:
        assert admin_call(method, f"users/{EMAIL}{path}", key).status_code == 403
    assert (
        admin_call("GET", f"users/{EMAIL}/events", admin_keys.create("users:read")).status_code
        == 403
    )


def test_a_users_events_newest_first(twofa, admin_call, admin_keys):
    twofa.user()
    twofa.post("login", body={"email": EMAIL, "password": "wrong-password"})
    response = admin_call("GET", f"users/{EMAIL}/events?limit=2", admin_keys.create("events:read"))
    assert response.status_code == 200
    assert [e["event"] for e in response.json["events"]] == ["login_failed", "registered"][:2]
    assert (
        admin_call("GET", f"users/{EMAIL}/events?limit=0", admin_keys.create()).status_code == 400
    )
