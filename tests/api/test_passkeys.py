"""Passkeys as a second factor: real WebAuthn ceremonies (tests/authenticator.py) through
py_webauthn, on each database and store."""

import logging

import pytest

from mfa_api.state import state_of
from tests.authenticator import SoftAuthenticator, b64url
from tests.helpers import (
    PASSWORD,
    TwoFaClient,
    add_passkey,
    make_app,
    passkey_login,
    recorded_mail,
    together,
)

EMAIL = "alice@example.com"
NOT_ACCEPTED = {"success": False, "message": "Passkey not accepted"}


def events(db, name):
    return db.fetch_all("SELECT detail FROM security_events WHERE event = ?", (name,))


def test_a_passkey_is_added_behind_step_up_and_listed(twofa, db):
    secret = twofa.user()
    _, added = add_passkey(twofa, secret)
    assert added.status_code == 200, added.json
    assert added.json["message"] == "Passkey added"
    passkey = added.json["passkey"]
    assert passkey["name"] == "YubiKey 5C" and passkey["lastUsedAt"] is None
    assert "A passkey was added" in twofa.mailbox[-1].text
    listed = twofa.call("GET", "passkeys", twofa.access(secret)).json["passkeys"]
    assert listed == [passkey]
    assert len(events(db, "passkey_added")) == 1


def test_the_creation_options_are_webauthn_options_for_this_relying_party(twofa):
    secret = twofa.user()
    options = twofa.post("passkeys/options", twofa.access(secret), twofa.step_up(secret))
    public_key = options.json["publicKey"]
    assert public_key["rp"] == {"id": "localhost", "name": "MFA API"}
    assert public_key["user"]["name"] == EMAIL and public_key["user"]["id"]
    assert EMAIL not in public_key["user"]["id"]
    assert len(public_key["challenge"]) >= 43  # 32 random bytes or more, base64url
    assert {"type": "public-key", "alg": -7} in public_key["pubKeyCredParams"]


def test_adding_needs_2fa_on_and_a_step_up(twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    no_code = twofa.post("passkeys/options", access, {"password": PASSWORD})
    assert no_code.json == {"success": False, "message": "2FA code required"}
    wrong = twofa.post("passkeys/options", access, {"password": "nope-nope", "otp": "123456"})
    assert wrong.json == {"success": False, "message": "Invalid password"}
    off = twofa.without_2fa(secret)
    refused = twofa.post("passkeys/options", off, {"password": PASSWORD})
    assert refused.status_code == 400
    assert refused.json["message"] == "Turn 2FA on before adding a passkey"


def test_a_creation_from_another_origin_or_without_options_is_refused(twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    asked = twofa.post("passkeys/options", access, twofa.step_up(secret)).json["publicKey"]
    phished = SoftAuthenticator().create(asked, origin="https://evil.example")
    refused = twofa.post("passkeys", access, {"credential": phished})
    assert refused.status_code == 400
    assert refused.json == NOT_ACCEPTED  # the library's reason is logged, not told
    again = twofa.post("passkeys", access, {"credential": SoftAuthenticator().create(asked)})
    assert again.status_code == 400  # the options answered once (a refusal uses them up)
    assert again.json["message"] == "No passkey being added; ask for options first"
    assert twofa.call("GET", "passkeys", access).json["passkeys"] == []


def test_the_same_authenticator_is_registered_once(twofa):
    secret = twofa.user()
    authenticator, first = add_passkey(twofa, secret)
    assert first.status_code == 200
    access = twofa.access(secret)
    asked = twofa.post("passkeys/options", access, twofa.step_up(secret)).json["publicKey"]
    excluded = [c["id"] for c in asked["excludeCredentials"]]
    assert len(excluded) == 1  # the browser would refuse to make a second one on it
    twice = twofa.post("passkeys", access, {"credential": authenticator.create(asked)})
    assert twice.status_code == 409
    assert twice.json["message"] == "This passkey is registered already"


def test_a_passkey_answers_the_login_challenge(twofa, db):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    response = passkey_login(twofa, authenticator)
    assert response.status_code == 200, response.json
    assert response.json["message"] == "2FA verification successful"
    access = response.json["accessToken"]
    assert twofa.call("GET", "events", access).status_code == 200
    assert '"passkey"' in events(db, "login_succeeded")[-1]["detail"]
    used = twofa.call("GET", "passkeys", access).json["passkeys"][0]
    assert used["lastUsedAt"] is not None
    assert db.fetch_one("SELECT sign_count FROM passkeys", ())["sign_count"] == 1
    assert passkey_login(twofa, authenticator).status_code == 200  # and again: counter 2


def test_a_passkey_whose_counter_stays_0_is_accepted_each_time(twofa, db):
    """Synced passkeys always report 0; two uses within one second (the tests' clock stands
    still) leave the row as it was, which MariaDB must still count as the row matched."""
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret, authenticator=SoftAuthenticator(counts=False))
    for _ in range(2):
        response = passkey_login(twofa, authenticator)
        assert response.status_code == 200, response.json
    assert events(db, "second_factor_failed") == []
    assert db.fetch_one("SELECT sign_count FROM passkeys", ())["sign_count"] == 0


def test_a_passkey_login_may_remember_the_device(twofa):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    response = passkey_login(twofa, authenticator, remember=True)
    token = response.json["deviceToken"]
    login = twofa.post("login", body={"email": EMAIL, "password": PASSWORD, "deviceToken": token})
    assert login.json["requires2fa"] is False


def test_an_unknown_or_replayed_assertion_is_refused_and_counted(twofa, db):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    stranger = SoftAuthenticator()
    challenge = twofa.challenge()
    asked = twofa.post("2fa/passkey/options", challenge).json["publicKey"]
    stranger_answer = stranger.get({**asked, "allowCredentials": []})
    refused = twofa.post("2fa/passkey", challenge, {"credential": stranger_answer})
    assert refused.status_code == 401 and refused.json == NOT_ACCEPTED
    asked = twofa.post("2fa/passkey/options", challenge).json["publicKey"]
    answer = authenticator.get(asked)
    assert twofa.post("2fa/passkey", challenge, {"credential": answer}).status_code == 200
    replay = twofa.challenge()
    twofa.post("2fa/passkey/options", replay)
    replayed = twofa.post("2fa/passkey", replay, {"credential": answer})  # an old signature
    assert replayed.status_code == 401 and replayed.json == NOT_ACCEPTED
    assert len(events(db, "second_factor_failed")) == 2


def test_an_assertion_needs_its_options_and_the_right_origin(twofa):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    challenge = twofa.challenge()
    made_up = {"challenge": "A" * 43, "rpId": "localhost", "allowCredentials": []}
    unasked = twofa.post("2fa/passkey", challenge, {"credential": authenticator.get(made_up)})
    assert unasked.json == NOT_ACCEPTED
    asked = twofa.post("2fa/passkey/options", challenge).json["publicKey"]
    phished = authenticator.get(asked, origin="https://evil.example")
    assert twofa.post("2fa/passkey", challenge, {"credential": phished}).json == NOT_ACCEPTED


def test_a_creation_inside_another_sites_frame_is_refused(twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    asked = twofa.post("passkeys/options", access, twofa.step_up(secret)).json["publicKey"]
    framed = SoftAuthenticator().create(asked, top_origin="https://evil.example")
    refused = twofa.post("passkeys", access, {"credential": framed})
    assert refused.status_code == 400 and refused.json == NOT_ACCEPTED
    assert twofa.call("GET", "passkeys", access).json["passkeys"] == []


def test_an_assertion_inside_another_sites_frame_is_refused(twofa):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    challenge = twofa.challenge()
    asked = twofa.post("2fa/passkey/options", challenge).json["publicKey"]
    framed = authenticator.get(asked, top_origin="https://evil.example")
    refused = twofa.post("2fa/passkey", challenge, {"credential": framed})
    assert refused.status_code == 401 and refused.json == NOT_ACCEPTED
    access = twofa.access(secret)
    asked = twofa.post("passkeys/step-up/options", access).json["publicKey"]
    framed = authenticator.get(asked, top_origin="https://evil.example")
    step_up = {"password": PASSWORD, "passkey": framed}
    refused = twofa.post("2fa/backup-codes", access, step_up)
    assert refused.status_code == 401 and refused.json == NOT_ACCEPTED


SUSPENDED = (
    "Passkey suspended: its signature counter did not move forward, so a copy of it may exist. "
    "Use another second factor, then remove it and add a new one"
)


def test_a_cloned_authenticator_is_refused_recorded_and_mailed(twofa, db):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    copy = authenticator.clone()
    assert passkey_login(twofa, authenticator).status_code == 200  # counter 1
    refused = passkey_login(twofa, copy)  # the copy also says 1
    assert refused.status_code == 401
    assert refused.json["message"] == SUSPENDED
    assert len(events(db, "passkey_clone_suspected")) == 1
    assert "signature counter that did not move forward" in twofa.mailbox[-1].text
    assert len(events(db, "second_factor_failed")) == 1


def test_a_copy_that_jumps_its_counter_ahead_is_suspended_with_the_genuine_key(twofa, db):
    secret = twofa.user()
    genuine, _ = add_passkey(twofa, secret)
    copy = genuine.clone()
    copy.sign_count = 100  # jumps ahead: the first use cannot tell it from the genuine key
    assert passkey_login(twofa, copy).status_code == 200
    refused = passkey_login(twofa, genuine)  # counter 1, behind 101: a copy exists
    assert refused.status_code == 401 and refused.json["message"] == SUSPENDED
    row = db.fetch_one("SELECT sign_count, suspended_at FROM passkeys", ())
    assert row["sign_count"] == 101 and row["suspended_at"] is not None
    challenge = twofa.challenge()  # every copy is refused now, the one ahead included
    asked = twofa.post("2fa/passkey/options", challenge)
    assert asked.status_code == 400 and asked.json["message"] == SUSPENDED
    made_up = {"challenge": "A" * 43, "rpId": "localhost"}
    again = twofa.post("2fa/passkey", challenge, {"credential": copy.get(made_up)})
    assert again.status_code == 401
    access = twofa.access(secret)
    listed = twofa.call("GET", "passkeys", access).json["passkeys"]
    assert [p["suspended"] for p in listed] == [True]
    assert len(events(db, "passkey_clone_suspected")) == 1
    assert sum("did not move forward" in m.text for m in twofa.mailbox) == 1


def test_a_suspended_passkey_answers_no_step_up_and_is_removed_with_another_factor(twofa, db):
    secret = twofa.user()
    genuine, added = add_passkey(twofa, secret)
    other, _ = add_passkey(twofa, secret, name="Phone", authenticator=SoftAuthenticator())
    copy = genuine.clone()
    copy.sign_count = 100
    assert passkey_login(twofa, copy).status_code == 200
    assert passkey_login(twofa, genuine).json["message"] == SUSPENDED
    access = twofa.access(secret)
    asked = twofa.post("passkeys/step-up/options", access).json["publicKey"]
    assert [c["id"] for c in asked["allowCredentials"]] == [b64url(other.credential_id)]
    forced = {"password": PASSWORD, "passkey": copy.get({**asked, "allowCredentials": []})}
    refused = twofa.post("2fa/backup-codes", access, forced)
    assert refused.status_code == 401 and refused.json["message"] == SUSPENDED
    passkey_id = added.json["passkey"]["id"]
    removed = twofa.call("DELETE", f"passkeys/{passkey_id}", access, twofa.step_up(secret))
    assert removed.status_code == 200, removed.json
    listed = twofa.call("GET", "passkeys", access).json["passkeys"]
    assert [(p["name"], p["suspended"]) for p in listed] == [("Phone", False)]
    assert passkey_login(twofa, other).status_code == 200


def answers_at_one_counter(twofa, authenticator, counter: int, requests: int) -> list:
    """(challenge, answer) pairs: copies of the authenticator, each answering the options of
    its own login challenge with the same counter."""
    pairs = []
    for _ in range(requests):
        challenge = twofa.challenge()
        asked = twofa.post("2fa/passkey/options", challenge).json["publicKey"]
        copy = authenticator.clone()
        copy.sign_count = counter - 1 if copy.counts else counter
        pairs.append((challenge, copy.get(asked)))
    return pairs


@pytest.fixture
def no_back_off(store_config):
    """Failures enough for ten concurrent refusals to be evaluated, not backed off."""
    store_config.update(BACKOFF_AFTER=50)
    return store_config


def answering(app, pairs):
    """send() for helpers.together: post one (challenge, assertion) pair of pairs; its status."""

    def send():
        challenge, answer = pairs.pop()
        response = app.test_client().post(
            "/api/auth/2fa/passkey",
            json={"credential": answer},
            headers={"Authorization": f"Bearer {challenge}"},
        )
        return response.status_code

    return send


@pytest.mark.parametrize("counter, accepted", [(1, 0), (2, 1)])
def test_concurrent_uses_at_one_counter_suspend_it_with_one_notice(
    no_back_off, twofa_app, twofa, db, counter, accepted
):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    assert passkey_login(twofa, authenticator).status_code == 200  # counter 1 stored
    pairs = answers_at_one_counter(twofa, authenticator, counter, 10)
    sent_before = len(twofa.mailbox)

    statuses = together(answering(twofa_app, pairs), 10)
    assert statuses.count(200) == accepted and statuses.count(401) == 10 - accepted
    assert len(events(db, "passkey_clone_suspected")) == 1
    notices = [m for m in twofa.mailbox[sent_before:] if "did not move forward" in m.text]
    assert len(notices) == 1
    assert db.fetch_one("SELECT suspended_at FROM passkeys", ())["suspended_at"] is not None


def test_an_authenticator_without_a_counter_is_no_clone(twofa, twofa_app, db):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret, authenticator=SoftAuthenticator(counts=False))
    pairs = answers_at_one_counter(twofa, authenticator, 0, 5)

    assert together(answering(twofa_app, pairs), 5) == [200] * 5
    assert passkey_login(twofa, authenticator).status_code == 200
    assert events(db, "passkey_clone_suspected") == []
    assert db.fetch_one("SELECT sign_count, suspended_at FROM passkeys", ()) == {
        "sign_count": 0,
        "suspended_at": None,
    }


def test_a_challenge_answered_by_a_passkey_answers_once(twofa):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    challenge = twofa.challenge()
    asked = twofa.post("2fa/passkey/options", challenge).json["publicKey"]
    done = twofa.post("2fa/passkey", challenge, {"credential": authenticator.get(asked)})
    assert done.status_code == 200
    again = twofa.post("2fa/passkey/options", challenge)
    assert again.json == {"success": False, "message": "Challenge expired or used; log in again"}


def test_no_passkey_no_options(twofa):
    twofa.user()
    asked = twofa.post("2fa/passkey/options", twofa.challenge())
    assert asked.status_code == 400
    assert asked.json == {"success": False, "message": "No passkey on this account"}


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": 5},
        {"id": "x", "rawId": "x", "type": "public-key", "response": {"a": 1}},
        {"id": "é", "rawId": "é", "type": "public-key", "response": {}},  # MariaDB: not a 503
    ],
)
def test_a_malformed_credential_is_refused_not_a_500(twofa, credential):
    secret = twofa.user()
    add_passkey(twofa, secret)
    challenge = twofa.challenge()
    twofa.post("2fa/passkey/options", challenge)
    refused = twofa.post("2fa/passkey", challenge, {"credential": credential})
    assert refused.status_code == 401 and refused.json == NOT_ACCEPTED
    assert twofa.post("2fa/passkey", challenge, {"credential": "text"}).status_code == 400
    access = twofa.access(secret)
    twofa.post("passkeys/options", access, twofa.step_up(secret))
    assert twofa.post("passkeys", access, {"credential": credential}).status_code == 400


def test_passkeys_are_renamed_and_removed_by_their_owner_only(twofa):
    secret = twofa.user()
    authenticator, added = add_passkey(twofa, secret)
    passkey_id = added.json["passkey"]["id"]
    bob = twofa.user(email="bob@example.com", phone="250788000002")
    bob_access = twofa.access(bob, email="bob@example.com")
    assert (
        twofa.call("PATCH", f"passkeys/{passkey_id}", bob_access, {"name": "mine"}).status_code
        == 404
    )
    access = twofa.access(secret)
    renamed = twofa.call("PATCH", f"passkeys/{passkey_id}", access, {"name": "Laptop"})
    assert renamed.json == {"success": True, "message": "Passkey renamed"}
    assert twofa.call("GET", "passkeys", access).json["passkeys"][0]["name"] == "Laptop"
    same = twofa.call("PATCH", f"passkeys/{passkey_id}", access, {"name": "Laptop"})
    assert (same.status_code, same.json) == (200, renamed.json)  # its own name: still found
    too_long = twofa.call("PATCH", f"passkeys/{passkey_id}", access, {"name": "x" * 65})
    assert too_long.status_code == 400
    no_step_up = twofa.call("DELETE", f"passkeys/{passkey_id}", access, {"password": PASSWORD})
    assert no_step_up.json["message"] == "2FA code required"
    by_bob = twofa.call("DELETE", f"passkeys/{passkey_id}", bob_access, twofa.step_up(bob))
    assert by_bob.status_code == 404
    removed = twofa.call("DELETE", f"passkeys/{passkey_id}", access, twofa.step_up(secret))
    assert removed.json == {"success": True, "message": "Passkey removed"}
    assert "A passkey was removed" in twofa.mailbox[-1].text
    assert passkey_login_refused_for_lack_of_passkeys(twofa)


def passkey_login_refused_for_lack_of_passkeys(twofa) -> bool:
    asked = twofa.post("2fa/passkey/options", twofa.challenge())
    return asked.json == {"success": False, "message": "No passkey on this account"}


def test_a_passkey_asked_for_before_2fa_was_turned_off_is_not_added(twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    asked = twofa.post("passkeys/options", access, twofa.step_up(secret)).json["publicKey"]
    access = twofa.without_2fa(secret)
    late = twofa.post("passkeys", access, {"credential": SoftAuthenticator().create(asked)})
    assert late.status_code == 400
    assert late.json["message"] == "Turn 2FA on before adding a passkey"
    assert twofa.call("GET", "me", access).json["passkeys"] == 0


def test_turning_2fa_off_removes_the_passkeys(twofa, db):
    secret = twofa.user()
    add_passkey(twofa, secret)
    twofa.without_2fa(secret)
    assert db.fetch_all("SELECT id FROM passkeys", ()) == []


@pytest.fixture
def other_site(store_config):
    store_config.update(
        WEBAUTHN_RP_ID="example.com",  # each origin's host must be it or end with .example.com
        WEBAUTHN_RP_NAME="Example Sign-in",
        WEBAUTHN_ORIGINS="https://auth.example.com, https://app.example.com",
    )
    return store_config


def test_the_relying_party_and_its_origins_are_settings(other_site, twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    asked = twofa.post("passkeys/options", access, twofa.step_up(secret)).json["publicKey"]
    assert asked["rp"] == {"id": "example.com", "name": "Example Sign-in"}
    authenticator = SoftAuthenticator(origin="https://app.example.com")
    added = twofa.post("passkeys", access, {"credential": authenticator.create(asked)})
    assert added.status_code == 200, added.json
    assert passkey_login(twofa, authenticator).status_code == 200
    elsewhere = SoftAuthenticator(origin="http://localhost:5000")
    _, refused = add_passkey(twofa, secret, authenticator=elsewhere)
    assert refused.status_code == 400


def step_up_with(twofa, authenticator, access) -> dict:
    """A step-up body whose second factor is the passkey's answer to fresh step-up options."""
    asked = twofa.post("passkeys/step-up/options", access)
    assert asked.status_code == 200, asked.json
    return {"password": PASSWORD, "passkey": authenticator.get(asked.json["publicKey"])}


def test_a_passkey_answers_a_step_up(twofa, db):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    access = twofa.access(secret)
    made = twofa.post("2fa/backup-codes", access, step_up_with(twofa, authenticator, access))
    assert made.status_code == 200, made.json
    access = made.json["accessToken"]
    assert '"passkey"' in events(db, "second_factor_succeeded")[-1]["detail"]
    stranger = SoftAuthenticator()
    twofa.post("passkeys/step-up/options", access)
    wrong = {
        "password": PASSWORD,
        "passkey": stranger.get({"challenge": "A" * 43, "rpId": "localhost"}),
    }
    refused = twofa.post("2fa/disable", access, wrong)
    assert refused.status_code == 401 and refused.json == NOT_ACCEPTED
    assert len(events(db, "second_factor_failed")) == 1
    off = twofa.post("2fa/disable", access, step_up_with(twofa, authenticator, access))
    assert off.status_code == 200, off.json  # a passkey turns 2FA off (and goes with it)
    assert db.fetch_all("SELECT id FROM passkeys", ()) == []


def test_a_step_up_passkey_answer_is_used_once(twofa):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    access = twofa.access(secret)
    body = step_up_with(twofa, authenticator, access)
    assert twofa.post("2fa/backup-codes", access, body).status_code == 200
    access = twofa.access(secret)
    again = twofa.post("2fa/backup-codes", access, body)
    assert again.status_code == 401 and again.json == NOT_ACCEPTED


@pytest.fixture
def development(monkeypatch):
    """FLASK_DEBUG=1, as make run sets it: refusals may say why in the answer."""
    monkeypatch.setenv("FLASK_DEBUG", "1")


@pytest.mark.parametrize("explained", [False, True])
def test_a_passkey_from_another_port_is_refused_saying_so_in_the_log(
    request, app_config, caplog, explained
):
    """`make run PORT=5601` with the origins left at :5000 (the page runs on :5601)."""
    if explained:
        request.getfixturevalue("development")
    app_config["WEBAUTHN_ORIGINS"] = "http://localhost:5000"
    app = make_app(app_config)
    with recorded_mail(app) as messages:
        twofa = TwoFaClient(app, messages)
        secret = twofa.user()
        elsewhere = SoftAuthenticator(origin="http://localhost:5601")
        with caplog.at_level(logging.INFO, logger="mfa_api.services.passkeys"):
            _, refused = add_passkey(twofa, secret, authenticator=elsewhere)
        authenticator, _ = add_passkey(twofa, secret)
        with caplog.at_level(logging.INFO, logger="mfa_api.services.passkeys"):
            challenge = twofa.challenge()
            asked = twofa.post("2fa/passkey/options", challenge).json["publicKey"]
            answer = authenticator.get(asked, origin="http://localhost:5601")
            used = twofa.post("2fa/passkey", challenge, {"credential": answer})
    why = "the ceremony ran on 'http://localhost:5601', not an origin of WEBAUTHN_ORIGINS"
    logged = [r.getMessage() for r in caplog.records if "passkey" in r.getMessage()]
    assert len([line for line in logged if why in line]) == 2, logged
    assert (refused.status_code, used.status_code) == (400, 401)
    for answered in (refused.json["message"], used.json["message"]):
        if explained:  # development only: production says nothing of its settings
            assert answered.startswith(f"Passkey not accepted: {why}")
        else:
            assert answered == "Passkey not accepted"


def test_a_ceremonys_challenge_lives_in_sql_not_in_redis(twofa, twofa_app, db):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret)
    challenge = twofa.challenge()
    asked = twofa.post("2fa/passkey/options", challenge)
    stored = db.fetch_all("SELECT k FROM ephemeral WHERE k LIKE 'passkey%'", ())
    assert len(stored) == 1  # a database commit: no Redis failover loses its delete
    client = state_of(twofa_app).redis
    if client is not None:  # nothing of the ceremony in Redis, which may be wiped meanwhile
        prefix = twofa_app.config["REDIS_PREFIX"]
        assert not [k for k in client.scan_iter(f"{prefix}*") if b"passkey" in k]
    answer = {"credential": authenticator.get(asked.json["publicKey"])}
    assert twofa.post("2fa/passkey", challenge, answer).status_code == 200
    assert db.fetch_all("SELECT k FROM ephemeral WHERE k LIKE 'passkey%'", ()) == []  # used up
