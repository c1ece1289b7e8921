"""Signing in with a passkey alone (POST /api/auth/passkey-login): real WebAuthn ceremonies with
the software authenticator (discoverable or not, verifying the user or not), on each database
and store, refusals included, and who can make a refusal count."""

import base64
import json

import jwt
import pytest

from tests.authenticator import SoftAuthenticator, b64url
from tests.helpers import (
    PASSWORD,
    TwoFaClient,
    add_passkey,
    fresh_totp,
    from_ip,
    make_app,
    recorded_mail,
    wrong_totp,
)

EMAIL = "alice@example.com"
NOT_ACCEPTED = {"success": False, "message": "Passkey not accepted"}
MADE_WITHOUT_UV = (
    "This passkey was made without user verification (a PIN or biometric), so it cannot sign "
    "in alone: use it as the second step after your password, or add it again"
)
NOT_VERIFIED = (
    "Passkey not accepted: signing in with a passkey alone needs user verification (a PIN or "
    "biometric) on the authenticator"
)


def events(db, name):
    return db.fetch_all("SELECT detail FROM security_events WHERE event = ?", (name,))


def options(twofa, email=None, **kwargs):
    """The sign-in options (for an email, when given)."""
    body = None if email is None else {"email": email}
    asked = twofa.post("passkey-login/options", body=body, **kwargs)
    assert asked.status_code == 200, asked.json
    return asked.json["publicKey"]


def sign_in(twofa, authenticator, email=None, **kwargs):
    """Options, the authenticator's answer, and the service's answer to it."""
    answer = authenticator.get(options(twofa, email))
    return twofa.post("passkey-login", body={"credential": answer}, **kwargs)


@pytest.fixture
def alice(twofa):
    """Alice, 2FA on, with a discoverable passkey that verifies her; (TOTP secret, key)."""
    secret = twofa.user()
    authenticator, added = add_passkey(twofa, secret)
    assert added.status_code == 200, added.json
    return secret, authenticator


def test_a_discoverable_passkey_signs_in_alone(twofa, alice, db):
    _, authenticator = alice
    asked = options(twofa)
    assert asked["allowCredentials"] == [] and asked["userVerification"] == "required"
    assert asked["rpId"] == "localhost" and len(asked["challenge"]) >= 43
    response = twofa.post("passkey-login", body={"credential": authenticator.get(asked)})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["message"] == "Signed in with a passkey" and body["requires2fa"] is False
    claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
    assert claims["amr"] == ["passkey", "uv"]
    assert twofa.call("GET", "me", body["accessToken"]).json["email"] == EMAIL
    detail = json.loads(events(db, "login_succeeded")[-1]["detail"])
    assert detail == {"factor": "passkey", "passwordless": True}
    assert db.fetch_one("SELECT sign_count FROM passkeys", ())["sign_count"] == 1


def test_passkeys_are_made_discoverable_and_verified_where_they_can_be(twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    asked = twofa.post("passkeys/options", access, twofa.step_up(secret)).json["publicKey"]
    assert asked["authenticatorSelection"]["residentKey"] == "preferred"
    assert asked["authenticatorSelection"]["userVerification"] == "preferred"
    assert asked["extensions"] == {"credProps": True}
    add_passkey(twofa, secret, name="Phone", access=access)
    add_passkey(twofa, secret, "Old key", SoftAuthenticator(verifies=False, resident=False))
    listed = twofa.call("GET", "passkeys", twofa.access(secret)).json["passkeys"]
    said = [(p["name"], p["userVerified"], p["discoverable"]) for p in listed]
    assert said == [("Phone", True, True), ("Old key", False, False)]


def test_a_passkey_that_is_not_discoverable_signs_in_with_the_email(twofa, db):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret, authenticator=SoftAuthenticator(resident=False))
    asked = options(twofa, EMAIL)
    assert [c["id"] for c in asked["allowCredentials"]] == [b64url(authenticator.credential_id)]
    response = twofa.post("passkey-login", body={"credential": authenticator.get(asked)})
    assert response.status_code == 200, response.json


def test_options_for_an_email_without_passkeys_look_alike_and_match_nothing(twofa, alice):
    twofa.user(email="bob@example.com", phone="250788000002")  # an account, no passkey
    real = options(twofa, EMAIL)
    for email in ("nobody@example.com", "bob@example.com"):
        decoy = options(twofa, email)
        assert decoy.keys() == real.keys() and decoy["userVerification"] == "required"
        assert 1 <= len(decoy["allowCredentials"]) <= 3
        assert decoy["allowCredentials"] == options(twofa, email)["allowCredentials"]
        assert all(c["type"] == "public-key" for c in decoy["allowCredentials"])
    _, authenticator = alice
    answer = authenticator.get({**options(twofa, "nobody@example.com"), "allowCredentials": []})
    assert twofa.post("passkey-login", body={"credential": answer}).json == NOT_ACCEPTED


def test_options_for_one_email_are_not_answered_by_anothers_passkey(twofa, alice):
    bob = twofa.user(email="bob@example.com", phone="250788000002")
    bob_access = twofa.access(bob, "bob@example.com")
    add_passkey(twofa, bob, authenticator=SoftAuthenticator(), access=bob_access)
    _, authenticator = alice
    answer = authenticator.get({**options(twofa, "bob@example.com"), "allowCredentials": []})
    refused = twofa.post("passkey-login", body={"credential": answer})
    assert refused.status_code == 401 and refused.json == NOT_ACCEPTED


def test_a_passkey_made_without_user_verification_cannot_sign_in_alone(twofa, db):
    secret = twofa.user()
    authenticator, _ = add_passkey(twofa, secret, authenticator=SoftAuthenticator(verifies=False))
    authenticator.verifies = True  # it verifies now, but nothing said so when it was made
    refused = sign_in(twofa, authenticator)
    assert refused.status_code == 401
    assert refused.json == {"success": False, "message": MADE_WITHOUT_UV}
    assert events(db, "second_factor_failed") == []  # no guess: a key without a PIN locks nobody
    named = [c["id"] for c in options(twofa, EMAIL)["allowCredentials"]]
    assert b64url(authenticator.credential_id) not in named  # options name it no more
    challenge = twofa.challenge()  # it still answers a second step after the password
    asked = twofa.post("2fa/passkey/options", challenge).json["publicKey"]
    answered = twofa.post("2fa/passkey", challenge, {"credential": authenticator.get(asked)})
    assert answered.status_code == 200, answered.json


def test_an_answer_without_user_verification_is_refused_and_not_counted(
    lock_soon, twofa, alice, db
):
    """Whoever holds the key without its PIN (it answers without user verification) is told
    why, and cannot back off or lock the owner with it: the PIN's tries are the key's own."""
    secret, authenticator = alice
    authenticator.verifies = False
    for _ in range(4):
        refused = sign_in(twofa, authenticator)
        assert refused.status_code == 401
        assert refused.json == {"success": False, "message": NOT_VERIFIED}
    assert events(db, "second_factor_failed") == [] and events(db, "locked") == []
    challenge = twofa.challenge()  # the owner's own login is untouched
    assert twofa.post("2fa/verify", challenge, {"otp": fresh_totp(secret)}).status_code == 200
    assert all("passwordless" not in e["detail"] for e in events(db, "login_succeeded"))


def test_replays_strange_challenges_and_other_origins_are_refused(twofa, alice):
    _, authenticator = alice
    asked = options(twofa)
    answer = authenticator.get(asked)
    assert twofa.post("passkey-login", body={"credential": answer}).status_code == 200
    replayed = twofa.post("passkey-login", body={"credential": answer})
    assert replayed.status_code == 401 and replayed.json == NOT_ACCEPTED
    made_up = {"challenge": "A" * 43, "rpId": "localhost", "allowCredentials": []}
    unasked = twofa.post("passkey-login", body={"credential": authenticator.get(made_up)})
    assert unasked.json == NOT_ACCEPTED
    phished = authenticator.get(options(twofa), origin="https://evil.example")
    assert twofa.post("passkey-login", body={"credential": phished}).json == NOT_ACCEPTED
    framed = authenticator.get(options(twofa), top_origin="https://evil.example")
    assert twofa.post("passkey-login", body={"credential": framed}).json == NOT_ACCEPTED
    assert sign_in(twofa, authenticator).status_code == 200  # none of it counted a failure


def test_a_discoverable_answer_must_say_whose_it_is(twofa, alice):
    _, authenticator = alice
    answer = authenticator.get(options(twofa))
    answer["response"]["userHandle"] = b64url(b"\x01" * 32)
    assert twofa.post("passkey-login", body={"credential": answer}).json == NOT_ACCEPTED
    answer = authenticator.get(options(twofa))
    del answer["response"]["userHandle"]
    assert twofa.post("passkey-login", body={"credential": answer}).json == NOT_ACCEPTED
    assert sign_in(twofa, authenticator).status_code == 200


@pytest.fixture
def lock_soon(store_config):
    """LOCK_AFTER 3, and no back-off before it (ask for it before `twofa`)."""
    store_config.update(LOCK_AFTER=3, BACKOFF_AFTER=10, ACCOUNT_BACKOFF_AFTER=10)
    return store_config


def test_a_stranger_without_the_authenticator_cannot_lock_the_owner_out(
    lock_soon, twofa, alice, db
):
    """The credential id is no secret (options for the email name it): answers signed by
    another key under that id are refused, and count toward nobody's lock."""
    _, authenticator = alice
    forger = SoftAuthenticator()
    forger.credential_id = authenticator.credential_id
    forger.user_handle = authenticator.user_handle
    for _ in range(6):
        refused = sign_in(twofa, forger, EMAIL)
        assert refused.status_code == 401 and refused.json == NOT_ACCEPTED
    assert events(db, "second_factor_failed") == [] and events(db, "locked") == []
    assert db.fetch_all("SELECT * FROM attempt_counters WHERE failures > 0", ()) == []
    assert sign_in(twofa, authenticator).status_code == 200


def test_failures_of_the_holder_lock_the_owner_and_the_lock_holds(lock_soon, twofa, alice, db):
    secret, authenticator = alice
    second, _ = add_passkey(twofa, secret, authenticator=SoftAuthenticator())
    for _ in range(2):  # two wrong codes after the password: the one second-factor counter
        challenge = twofa.challenge()
        assert twofa.post("2fa/verify", challenge, {"otp": wrong_totp(secret)}).status_code == 401
    assert sign_in(twofa, authenticator).status_code == 200  # a right answer clears it
    copy = authenticator.clone()
    assert sign_in(twofa, authenticator).status_code == 200  # the copy is now behind
    for _ in range(2):
        challenge = twofa.challenge()
        assert twofa.post("2fa/verify", challenge, {"otp": wrong_totp(secret)}).status_code == 401
    locked = sign_in(twofa, copy)  # its counter went back: a copy, counted, the third failure
    assert locked.status_code == 423
    assert len(events(db, "locked")) == 1
    assert sign_in(twofa, copy).status_code == 401  # suspended now: refused, counted no more
    assert sign_in(twofa, second).status_code == 423  # a right answer too, while locked
    with_password = twofa.post("login", body={"email": EMAIL, "password": PASSWORD})
    assert with_password.status_code == 423  # the one lock of the second factor
    forger = SoftAuthenticator()
    forger.credential_id = second.credential_id
    assert sign_in(twofa, forger, EMAIL).json == NOT_ACCEPTED  # tells a stranger nothing


def test_a_cloned_authenticator_is_suspended(twofa, alice, db):
    _, authenticator = alice
    copy = authenticator.clone()
    assert sign_in(twofa, authenticator).status_code == 200
    refused = sign_in(twofa, copy)
    assert refused.status_code == 401 and refused.json["message"].startswith("Passkey suspended")
    assert len(events(db, "passkey_clone_suspected")) == 1
    assert len(events(db, "second_factor_failed")) == 1
    assert options(twofa, EMAIL)["allowCredentials"] != [
        {"id": b64url(authenticator.credential_id), "type": "public-key"}
    ]  # a suspended passkey is named no more (decoys instead)
    assert sign_in(twofa, authenticator).status_code == 401


def test_options_and_answers_are_limited_per_client(store_config):
    store_config.update(RATELIMIT_ENABLED=True, RATELIMIT_PASSKEY_LOGIN="2 per minute")
    app = make_app(store_config)
    with recorded_mail(app) as mail:
        client = TwoFaClient(app, mail)
        for _ in range(2):
            options(client, "nobody@example.com")
        limited = client.post("passkey-login/options", body={"email": "nobody@example.com"})
        assert limited.status_code == 429 and limited.json["success"] is False
        assert options(client, **from_ip("192.0.2.7"))["userVerification"] == "required"
        for _ in range(2):
            assert client.post("passkey-login", body={"credential": {}}).status_code == 401
        assert client.post("passkey-login", body={"credential": {}}).status_code == 429


def test_an_answer_nested_too_deep_is_refused_not_a_server_error(twofa):
    deep = b"[" * 3000 + b"]" * 3000  # json.loads gives up at ~1000 levels
    answer = {"id": "AAAA", "type": "public-key", "response": {"clientDataJSON": b64url(deep)}}
    refused = twofa.post("passkey-login", body={"credential": answer})
    assert refused.status_code == 401 and refused.json == NOT_ACCEPTED


def test_a_suspended_passkeys_holder_cannot_lock_the_owner(lock_soon, twofa, alice, db):
    """Suspension guards against whoever holds a copy: answers with the suspended key are
    refused and counted no more (the first, which found the copy, counted once)."""
    secret, authenticator = alice
    copy = authenticator.clone()
    assert sign_in(twofa, authenticator).status_code == 200
    assert sign_in(twofa, copy).json["message"].startswith("Passkey suspended")
    for _ in range(4):
        assert sign_in(twofa, copy).json["message"].startswith("Passkey suspended")
    assert len(events(db, "second_factor_failed")) == 1 and events(db, "locked") == []
    challenge = twofa.challenge()
    assert twofa.post("2fa/verify", challenge, {"otp": fresh_totp(secret)}).status_code == 200


def test_an_account_the_password_login_refuses_does_not_sign_in_with_a_passkey(twofa, alice, db):
    _, authenticator = alice
    db.execute("UPDATE users SET is_verified = 0", ())  # as mfa-php's unverified rows
    assert twofa.post("login", body={"email": EMAIL, "password": PASSWORD}).status_code == 401
    assert sign_in(twofa, authenticator).json == NOT_ACCEPTED
    assert options(twofa, EMAIL)["allowCredentials"] != [
        {"id": b64url(authenticator.credential_id), "type": "public-key"}
    ]


def test_decoys_are_drawn_like_real_lists(twofa):
    """Decoy lists for emails without passkeys hold 1 to 3 ids of the lengths common
    authenticators make (an iCloud Keychain id is 20 bytes: 27 characters)."""
    counts, lengths = set(), set()
    for n in range(200):
        named = options(twofa, f"u{n}@example.com")["allowCredentials"]
        counts.add(len(named))
        lengths |= {len(c["id"]) for c in named}
    assert counts == {1, 2, 3}
    assert {22, 27, 43, 64, 86} <= lengths  # 16, 20, 32, 48 and 64 bytes


def test_a_refusal_reads_the_same_for_a_real_credential_id_and_a_decoy(twofa, alice):
    """Even where refusals explain themselves (development: the origin), an answer under a
    credential id read from options is refused in the same words whether the id is real."""
    from dataclasses import replace

    from mfa_api.state import fill, state_of

    made = state_of(twofa.app)
    fill(twofa.app, settings=replace(made.settings, explain_refusals=True))

    def refusal_for(email):
        asked = options(twofa, email)
        forger = SoftAuthenticator(origin="https://evil.example", resident=False)
        forger.credential_id = base64.urlsafe_b64decode(asked["allowCredentials"][0]["id"] + "==")
        return twofa.post("passkey-login", body={"credential": forger.get(asked)}).json["message"]

    told = refusal_for(EMAIL)
    assert told == refusal_for("nobody@example.com") and "evil.example" in told
