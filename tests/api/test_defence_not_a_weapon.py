"""Defence that cannot be turned against the user: rate limits spent only by what proves
something, budgets per user and client, no email-wide wait driven by clients that proved
nothing, hard caps on sign-up codes, and a per-client limit on every password check.

Each test attacks as the issue's attacker did; with limits in memory and in Redis, on SQLite
and MariaDB (store_config)."""

import pytest

from tests.helpers import CLOCK, PASSWORD, add_passkey, fresh_totp, from_ip, totp, wrong_totp

EMAIL = "alice@example.com"
OWNER = from_ip("192.0.2.10")
ATTACKER = from_ip("203.0.113.66")


@pytest.fixture
def production_limits(store_config):
    """Rate limits on at their defaults; the account counters' thresholds out of the way, so
    that only what the limits do is under test (ask for it before `twofa`)."""
    store_config.update(RATELIMIT_ENABLED=True, BACKOFF_AFTER=100, LOCK_AFTER=100)
    return store_config


def _junk(twofa, token):
    """Requests a client with a token can send that prove nothing: each refused unevaluated."""
    answers = []
    for _ in range(8):
        answers.append(twofa.post("2fa/verify", token, {"otp": ""}, **ATTACKER))
        answers.append(twofa.post("2fa/verify", token, {}, **ATTACKER))
        answers.append(twofa.post("2fa/recover", token, {"backup_code": 7}, **ATTACKER))
        answers.append(twofa.call("POST", "2fa/recover", token, data="{not json", **ATTACKER))
    return [a.status_code for a in answers]


def test_junk_sent_with_the_password_alone_does_not_freeze_the_owner(production_limits, twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    codes, _ = twofa.backup_codes(access, secret)
    attackers = twofa.post("login", body={"email": EMAIL, "password": PASSWORD}, **ATTACKER)
    token = attackers.json["challengeToken"]  # the attacker has the password, nothing more
    statuses = [twofa.post("2fa/verify", token, {"otp": "x"}, **ATTACKER).status_code]
    statuses += _junk(twofa, token)
    assert 429 not in statuses and set(statuses) <= {400}
    # the owner, from her own device: her TOTP, a backup code, a password change
    challenge = twofa.post("login", body={"email": EMAIL, "password": PASSWORD}, **OWNER)
    challenge = challenge.json["challengeToken"]
    verified = twofa.post("2fa/verify", challenge, {"otp": fresh_totp(secret)}, **OWNER)
    assert verified.status_code == 200, verified.json
    challenge = twofa.post("login", body={"email": EMAIL, "password": PASSWORD}, **OWNER)
    recovered = twofa.post(
        "2fa/recover", challenge.json["challengeToken"], {"backup_code": codes[0]}, **OWNER
    )
    assert recovered.status_code == 200, recovered.json
    change = {"current_password": PASSWORD, "new_password": "a-new-long-passphrase-9"}
    change["otp"] = fresh_totp(secret)
    changed = twofa.post("password", recovered.json["accessToken"], change, **OWNER)
    assert changed.status_code == 200, changed.json


def test_a_revoked_token_spends_nothing(production_limits, twofa):
    secret = twofa.user()
    old = twofa.access(secret)
    assert twofa.post("logout", old, {"everywhere": True}).status_code == 200
    for _ in range(30):  # the stolen, revoked token: each one a 401, none counted
        assert twofa.post("2fa/verify", old, {"otp": "123456"}).status_code == 401
        assert twofa.post("password", old, {"current_password": "x"}).status_code == 401
    challenge = twofa.challenge()
    assert twofa.post("2fa/verify", challenge, {"otp": fresh_totp(secret)}).status_code == 200


@pytest.fixture
def small_verify_budget(production_limits):
    """RATELIMIT_2FA_VERIFY of 4 (so 12 per user) (ask for it before `twofa`)."""
    production_limits["RATELIMIT_2FA_VERIFY"] = "4 per 5 minutes"
    return production_limits


def _challenge_from(twofa, client):
    response = twofa.post("login", body={"email": EMAIL, "password": PASSWORD}, **client)
    return response.json["challengeToken"]


def test_one_client_spends_its_own_budget_under_a_per_user_ceiling(small_verify_budget, twofa):
    secret = twofa.user()
    token = _challenge_from(twofa, ATTACKER)
    wrong = {"otp": wrong_totp(secret)}
    statuses = [twofa.post("2fa/verify", token, wrong, **ATTACKER).status_code for _ in range(5)]
    assert statuses == [401] * 4 + [429]  # evaluated guesses spend the attacker's budget
    challenge = _challenge_from(twofa, OWNER)
    assert twofa.post("2fa/verify", challenge, wrong, **OWNER).status_code == 401  # hers intact
    for n in range(2):  # two more clients spend theirs: 4 + 1 + 8 = 13 > 12 for the user
        client = from_ip(f"198.51.100.{n}")
        token = _challenge_from(twofa, client)
        for _ in range(4):
            twofa.post("2fa/verify", token, wrong, **client)
    last = from_ip("198.51.100.99")
    assert twofa.post("2fa/verify", _challenge_from(twofa, last), wrong, **last).status_code == 429


@pytest.fixture
def few_password_checks(production_limits):
    """RATELIMIT_PASSWORD_CHECKS of 5 per client (ask for it before `twofa`)."""
    production_limits["RATELIMIT_PASSWORD_CHECKS"] = "5 per 5 minutes"
    return production_limits


def test_a_client_changing_the_email_every_request_is_limited(few_password_checks, twofa):
    twofa.user()
    statuses = []
    for n in range(4):
        body = {"email": f"guess{n}@example.com", "password": "wrong-password"}
        statuses.append(twofa.post("login", body=body, **ATTACKER).status_code)
    legacy = twofa.legacy
    body = {"email": "guess9@example.com", "password": "wrong-password"}
    statuses.append(legacy.post("login", body, **ATTACKER).status_code)  # one shared budget
    body = {"email": "guess5@example.com", "password": "wrong-password"}
    statuses.append(twofa.post("login", body=body, **ATTACKER).status_code)
    assert statuses == [401] * 5 + [429]
    assert legacy.post("login", body, **ATTACKER).status_code == 429
    right = {"email": EMAIL, "password": PASSWORD}
    assert twofa.post("login", body=right, **OWNER).status_code == 200


def test_malformed_logins_do_not_spend_the_password_budget(few_password_checks, twofa):
    twofa.user()
    for _ in range(8):  # more than the 5 password checks (RATELIMIT_LOGIN counts all: 10)
        assert twofa.post("login", body={"email": EMAIL}, **ATTACKER).status_code == 400
    right = {"email": EMAIL, "password": PASSWORD}
    assert twofa.post("login", body=right, **ATTACKER).status_code == 200


def test_counters_of_an_email_with_no_account_are_short_lived(store_config, twofa, db):
    twofa.user()
    for email in (EMAIL, "nobody@example.com"):
        twofa.post("login", body={"email": email, "password": "wrong-password"})
    rows = db.fetch_all(
        "SELECT subject, updated_at FROM attempt_counters WHERE scope LIKE 'password%'", ()
    )
    now = int(CLOCK.now())
    kept = {r["subject"].split("|")[0]: r["updated_at"] for r in rows}
    assert kept[EMAIL] == now  # an account's: kept for the retention (90 days)
    swept_after = kept["nobody@example.com"] + 90 * 86400 - now
    assert swept_after <= store_config["BACKOFF_MAX_SECONDS"]  # the longest wait, no more


@pytest.fixture
def defence(store_config):
    """Small thresholds, as tests/api/test_account_defence.py (ask for it before `twofa`)."""
    store_config.update(BACKOFF_AFTER=3, ACCOUNT_BACKOFF_AFTER=6, LOCK_AFTER=8)
    return store_config


def test_rotating_addresses_knowing_only_the_email_never_make_the_owner_wait(defence, twofa):
    twofa.user()
    wrong = {"email": EMAIL, "password": "wrong-password"}
    for n in range(41):  # 41 wrong passwords from rotating addresses, over 22 minutes
        assert twofa.post("login", body=wrong, **from_ip(f"198.51.100.{n}")).status_code == 401
        CLOCK.advance(32)
    right = {"email": EMAIL, "password": PASSWORD}
    assert twofa.post("login", body=right, **from_ip("203.0.113.200")).status_code == 200


def test_strangers_guessing_never_stop_the_owners_own_sign_up(defence, legacy, db):
    secret = legacy.register()["secret"]  # the owner, from her own client
    code = legacy.last_code(EMAIL)
    wrong = {"email": EMAIL, "email_otp": "000000", "auth_code": "000000"}
    statuses = [
        legacy.post("verify", wrong, **from_ip(f"198.51.100.{n}")).status_code for n in range(26)
    ]
    assert statuses == [401] * 6 + [429] * 20  # ACCOUNT_BACKOFF_AFTER evaluated, then none
    assert (
        db.fetch_one(
            "SELECT failures FROM attempt_counters WHERE scope = 'signup' AND subject = ?", (EMAIL,)
        )["failures"]
        == 6
    )
    right = {"email": EMAIL, "email_otp": code, "auth_code": totp(secret)}
    assert legacy.post("verify", right).status_code == 200
    assert len([m for m in legacy.mailbox if "were stopped" in m.subject]) == 1


def test_sign_ups_opened_in_advance_buy_no_more_guesses(defence, legacy, db):
    other = {"names": "Mallory", "email": EMAIL, "phone": "250788000666", "password": PASSWORD}
    clients = [from_ip(f"198.51.100.{n}") for n in range(10)]
    for client in clients:  # ten sign-ups for the email before any guess
        assert legacy.post("register", other, **client).status_code == 200
    wrong = {"email": EMAIL, "email_otp": "000000", "auth_code": "000000"}
    statuses = [legacy.post("verify", wrong, **c).status_code for c in clients for _ in range(3)]
    # ACCOUNT_BACKOFF_AFTER (6), then MAX_FAILED_ATTEMPTS (5) more for sign-ups' own clients
    assert statuses.count(401) == 6 + 5
    assert set(statuses[11:]) == {429}
    assert legacy.post("register", other, **from_ip("198.51.100.99")).status_code == 429


def test_asking_for_options_from_many_places_leaves_the_owner_her_passkey(
    small_verify_budget, twofa
):
    secret = twofa.user()
    authenticator, added = add_passkey(twofa, secret)
    assert added.status_code == 200, added.json
    for n in range(4):  # the password from four networks: each asks until its own budget is out
        client = from_ip(f"198.51.{n}.1")
        token = _challenge_from(twofa, client)
        asked = [twofa.post("2fa/passkey/options", token, **client).status_code for _ in range(5)]
        assert asked == [200] * 4 + [429]
    challenge = _challenge_from(twofa, OWNER)  # the owner's passkey login still goes through
    asked = twofa.post("2fa/passkey/options", challenge, **OWNER)
    assert asked.status_code == 200, asked.json
    answer = {"credential": authenticator.get(asked.json["publicKey"])}
    assert twofa.post("2fa/passkey", challenge, answer, **OWNER).status_code == 200
