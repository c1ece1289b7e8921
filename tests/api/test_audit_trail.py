"""GET /api/auth/events: the caller's own security events, newest first; retention."""

import logging

import pytest

from tests.helpers import PASSWORD, wrong_totp

EMAIL = "alice@example.com"


def names(response):
    return [e["event"] for e in response.json["events"]]


def test_a_users_own_events_newest_first_with_where_they_came_from(twofa):
    secret = twofa.user()
    twofa.post("login", body={"email": EMAIL, "password": "wrong-password"})
    twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    access = twofa.access(secret)
    response = twofa.call("GET", "events", access, headers={"User-Agent": "pytest-agent/1"})
    assert response.status_code == 200
    assert names(response)[:4] == [
        "login_succeeded",
        "second_factor_failed",
        "login_failed",
        "registered",
    ]
    latest = response.json["events"][0]
    assert set(latest) == {"event", "at", "ip", "userAgent", "requestId", "detail"}
    assert latest["ip"] == "127.0.0.1" and latest["at"].endswith("Z")
    assert latest["detail"] == {"factor": "totp"}


def test_the_request_id_of_an_event_is_the_one_its_answer_carried(twofa):
    secret = twofa.user()
    failed = twofa.post("login", body={"email": EMAIL, "password": "wrong-password"})
    events = twofa.call("GET", "events", twofa.access(secret)).json["events"]
    login_failed = next(e for e in events if e["event"] == "login_failed")
    assert login_failed["requestId"] == failed.headers["X-Request-Id"]


def test_every_security_change_is_recorded(twofa):
    secret = twofa.user()
    codes, access = twofa.backup_codes(twofa.access(secret), secret)
    access = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[0]}).json[
        "accessToken"
    ]
    body = {"current_password": PASSWORD, "new_password": "a-new-password", "otp": codes[1]}
    access = twofa.post("password", access, body).json["accessToken"]
    twofa.post("logout", access)
    login = twofa.post("login", body={"email": EMAIL, "password": "a-new-password"})
    recover = {"backup_code": codes[2]}
    access = twofa.post("2fa/recover", login.json["challengeToken"], recover).json["accessToken"]
    recorded = set(names(twofa.call("GET", "events?limit=200", access)))
    assert {
        "backup_codes_generated",
        "backup_code_used",
        "password_changed",
        "tokens_revoked",
        "second_factor_succeeded",
    } <= recorded


def test_a_user_sees_only_their_own_events(twofa):
    twofa.user()
    bob = twofa.user(email="bob@example.com", phone="250788000002")
    twofa.post("login", body={"email": EMAIL, "password": "wrong-password"})
    events = twofa.call("GET", "events", twofa.access(bob, email="bob@example.com")).json
    assert "login_failed" not in [e["event"] for e in events["events"]]


def test_limit_is_checked(twofa):
    access = twofa.access(twofa.user())
    assert twofa.call("GET", "events?limit=1", access).json["events"][0]["event"]
    assert twofa.call("GET", "events?limit=0", access).status_code == 400
    assert twofa.call("GET", "events?limit=lots", access).status_code == 400


@pytest.fixture
def behind_one_proxy(store_config):
    store_config["PROXY_COUNT"] = 1


FORGED = "<img src=x onerror=alert(1)> forged=yes"


def test_behind_a_proxy_a_forged_forwarded_address_reaches_no_record(
    behind_one_proxy, twofa, caplog
):
    secret = twofa.user()
    forged = {"X-Forwarded-For": FORGED}
    with caplog.at_level(logging.INFO, logger="mfa_api.requests"):
        twofa.post("login", body={"email": EMAIL, "password": "wrong"}, headers=forged)
    real = {"X-Forwarded-For": "2001:db8::7"}
    twofa.post("login", body={"email": EMAIL, "password": "wrong"}, headers=real)
    events = twofa.call("GET", "events", twofa.access(secret)).json["events"]
    failed = [e["ip"] for e in events if e["event"] == "login_failed"]
    assert failed == ["2001:db8::7", "127.0.0.1"]
    assert "forged" not in caplog.text and "<img" not in caplog.text
