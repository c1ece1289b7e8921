"""Account defence: failure counters that only a success or an admin resets, back-off that refuses
attempts unevaluated, a lock with a mailed unlock token, and no cheap lockout by a stranger."""

import re

import pytest

from tests.helpers import CLOCK, PASSWORD, fresh_totp, from_ip, together, totp, wrong_totp

EMAIL = "alice@example.com"
ATTACKER = from_ip("203.0.113.66")


@pytest.fixture
def defence(store_config):
    """Small thresholds (ask for it before `twofa`): back off after 3 (10 s, 20 s, 40 s at
    most), lock at 8."""
    store_config.update(BACKOFF_AFTER=3, ACCOUNT_BACKOFF_AFTER=6, LOCK_AFTER=8)
    return store_config


def counter(db, scope, subject=EMAIL):
    row = db.fetch_one(
        "SELECT failures FROM attempt_counters WHERE scope = ? AND subject = ?", (scope, subject)
    )
    return 0 if row is None else row["failures"]


def events(db, name):
    return db.fetch_one("SELECT COUNT(*) AS n FROM security_events WHERE event = ?", (name,))["n"]


def test_new_challenges_and_resends_bring_no_fresh_tries(defence, twofa, db):
    secret = twofa.user()
    statuses = []
    for _ in range(3):  # three wrong codes, each on a fresh challenge, one after a resend
        challenge = twofa.challenge()
        twofa.post("2fa/resend-otp", challenge)
        statuses.append(twofa.post("2fa/verify", challenge, {"otp": wrong_totp(secret)}))
    assert [r.status_code for r in statuses] == [401, 401, 401]
    refused = twofa.post("2fa/verify", twofa.challenge(), {"otp": totp(secret, 1)})
    assert refused.status_code == 429  # the right code, refused without being checked
    assert refused.json == {
        "success": False,
        "message": "Too many failed attempts; try again in 10 seconds",
    }
    assert refused.headers["Retry-After"] == "10"
    assert counter(db, "second-factor") == 3  # a refused attempt counts for nothing


@pytest.fixture
def limits_too(defence):
    """flask-limiter on as well (ask for it before `twofa`)."""
    defence["RATELIMIT_ENABLED"] = True


def test_the_back_offs_retry_after_survives_the_rate_limiters_headers(limits_too, twofa):
    secret = twofa.user()
    for _ in range(3):
        twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    refused = twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    assert refused.status_code == 429 and refused.headers["X-RateLimit-Limit"] == "10"
    assert refused.headers["Retry-After"] == "10"  # not the limiter's 5-minute window


def test_the_delay_grows_and_only_a_success_resets_it(defence, twofa, db):
    secret = twofa.user()
    challenge = twofa.challenge()
    waits = []
    for _ in range(3):
        assert (
            twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)}).status_code
            == 401
        )
    for _ in range(3):
        refused = twofa.post("2fa/verify", challenge, {"otp": wrong_totp(secret)})
        waits.append(int(refused.headers["Retry-After"]))
        CLOCK.advance(waits[-1])
        challenge = twofa.challenge()
        assert twofa.post("2fa/verify", challenge, {"otp": wrong_totp(secret)}).status_code == 401
    assert waits == [10, 20, 40]
    CLOCK.advance(40)  # the last delay
    right = fresh_totp(secret)
    assert twofa.post("2fa/verify", twofa.challenge(), {"otp": right}).status_code == 200
    assert counter(db, "second-factor") == 0
    assert (
        twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)}).status_code == 401
    )


def fail_until_locked(twofa, secret):
    """Wrong TOTPs, waiting out each delay, until the lock; the last answer."""
    for _ in range(20):
        response = twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
        if response.status_code == 429:
            CLOCK.advance(int(response.headers["Retry-After"]))
        elif response.status_code == 423:
            return response
    raise AssertionError("never locked")


def unlock_token(mailbox) -> str:
    notices = [m for m in mailbox if "is locked" in m.subject]
    assert len(notices) == 1, "one notice per lock"
    return re.search(r'"token": "([^"]+)"', notices[0].text).group(1)


def test_lock_after_lock_after_failures_with_one_notice_and_a_token_that_unlocks_once(
    defence, twofa, db
):
    secret = twofa.user()
    locked = fail_until_locked(twofa, secret)
    assert locked.json["message"].startswith("Too many failed codes")
    assert counter(db, "second-factor") == 8
    CLOCK.advance(3600)
    login = twofa.post("login", body={"email": EMAIL, "password": PASSWORD})
    assert login.status_code == 423  # the password is right, the second factor is locked
    assert twofa.legacy.post("login", {"email": EMAIL, "password": PASSWORD}).status_code == 423
    token = unlock_token(twofa.mailbox)
    assert twofa.post("unlock", body={"token": "not-the-token"}).status_code == 400
    unlocked = twofa.post("unlock", body={"token": token})
    assert unlocked.json == {"success": True, "message": "Account unlocked"}
    assert twofa.post("unlock", body={"token": token}).status_code == 400  # single use
    assert twofa.post("2fa/verify", twofa.challenge(), {"otp": totp(secret)}).status_code == 200
    assert "unlocked" in twofa.mailbox[-1].text


def test_a_locked_account_refuses_the_right_code_on_the_mfa_php_face_too(defence, twofa, db):
    secret = twofa.user()
    code = twofa.legacy.login()
    fail_until_locked(twofa, secret)
    verify = {"email": EMAIL, "email_otp": code, "auth_code": totp(secret, 1)}
    response = twofa.legacy.post("verify", verify)
    assert response.status_code == 423
    assert response.json["success"] is False and "locked" in response.json["error"]


def test_step_up_codes_count_toward_the_same_counters(defence, twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    body = {"current_password": PASSWORD, "new_password": "another-password", "otp": "000000"}
    statuses = [twofa.post("password", access, {**body, "otp": wrong_totp(secret)}).status_code]
    statuses += [twofa.post("2fa/verify", access, {"otp": wrong_totp(secret)}).status_code]
    statuses += [
        twofa.post("2fa/disable", access, twofa.step_up(None) | {"otp": "111111"}).status_code
    ]
    statuses += [twofa.post("password", access, {**body, "otp": totp(secret, 1)}).status_code]
    assert statuses == [401, 401, 401, 429]


def test_wrong_passwords_back_off_per_client_and_only_tell_the_owner(defence, twofa, db):
    twofa.user()
    wrong = {"email": EMAIL, "password": "wrong-password"}
    right = {"email": EMAIL, "password": PASSWORD}
    first = [twofa.post("login", body=wrong, **from_ip("10.0.0.1")).status_code for _ in range(4)]
    assert first == [401, 401, 401, 429]  # this client backs off after 3
    for n in range(3):  # others, from addresses of their own
        assert twofa.post("login", body=wrong, **from_ip(f"10.0.1.{n}")).status_code == 401
    assert counter(db, "password") == 6  # ACCOUNT_BACKOFF_AFTER: the owner is told, once
    for n in range(3):
        twofa.post("login", body=wrong, **from_ip(f"10.0.3.{n}"))
    notices = [m for m in twofa.mailbox if "Many wrong passwords" in m.text]
    assert len(notices) == 1
    # nobody who proved nothing makes the owner wait, on a device never seen before too
    assert twofa.post("login", body=right, **from_ip("10.0.2.1")).status_code == 200
    assert counter(db, "password") == 0


def test_step_up_passwords_count_as_login_passwords(defence, twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    right = twofa.step_up(secret)  # now: a fresh TOTP step moves the clock past the back-off
    wrong = {"password": "not-the-password"}
    statuses = [twofa.post("2fa/backup-codes", access, wrong).status_code]
    statuses += [twofa.post("2fa/disable", access, {"password": "not-the-password"}).status_code]
    statuses += [twofa.call("DELETE", "account", access, {"password": "nope-nope"}).status_code]
    statuses += [twofa.post("2fa/backup-codes", access, right).status_code]
    assert statuses == [401, 401, 401, 429]


def test_a_locked_second_factor_does_not_give_the_backup_codes_up(defence, twofa):
    """Issue 20 (B): a session and the password, no second factor, read the codes back, even
    while the second factor was locked (200 and the codes during a 423). Now no one can."""
    secret = twofa.user()
    codes, access = twofa.backup_codes(twofa.access(secret), secret)
    assert fail_until_locked(twofa, secret).status_code == 423
    answer = twofa.call("GET", "2fa/backup-codes", access, headers={"X-Password": PASSWORD})
    assert answer.json == {"success": True, "remaining": 10}
    assert not any(code in answer.text for code in codes)


def test_unknown_emails_back_off_like_known_ones(defence, twofa):
    twofa.user()
    for email in (EMAIL, "nobody@example.com"):
        body = {"email": email, "password": "wrong-password"}
        assert [twofa.post("login", body=body).status_code for _ in range(4)] == [401] * 3 + [429]


def test_an_email_variant_is_another_account(twofa):
    twofa.user()
    for variant in ("àlice@example.com", "ALICE@EXAMPLE.COM ", "alice@exämple.com"):
        response = twofa.post("login", body={"email": variant, "password": PASSWORD})
        expected = 200 if variant.strip().lower() == EMAIL else 401
        assert response.status_code == expected, variant


def test_a_stranger_cannot_kill_the_users_login_code(defence, legacy, db):
    secret = legacy.enrolled()
    code = legacy.login()  # the user's client (127.0.0.1) proved the password
    body = {"email": EMAIL, "email_otp": "000000", "auth_code": "000000"}
    guesses = [legacy.post("verify", body, **ATTACKER).status_code for _ in range(7)]
    assert guesses == [401] * 5 + [429] * 2  # five evaluated guesses per code, then refused
    assert counter(db, "second-factor") == 0  # none of them toward the user's lock
    right = {"email": EMAIL, "email_otp": code, "auth_code": totp(secret, 1)}
    assert legacy.post("verify", right).status_code == 200


def test_a_stranger_cannot_kill_a_pending_sign_up(defence, legacy):
    secret = legacy.register()["secret"]
    code = legacy.last_code(EMAIL)
    body = {"email": EMAIL, "email_otp": "000000", "auth_code": "000000"}
    guesses = [legacy.post("verify", body, **ATTACKER).status_code for _ in range(5)]
    assert guesses == [401] * 3 + [429] * 2  # that client backs off; the sign-up lives on
    right = {"email": EMAIL, "email_otp": code, "auth_code": totp(secret)}
    assert legacy.post("verify", right).status_code == 200


def test_a_strangers_sign_up_for_the_same_email_neither_replaces_nor_kills_the_owners(
    defence, legacy, db
):
    owner = legacy.register()
    owner_code = legacy.last_code(EMAIL)
    other = {"names": "Mallory", "email": EMAIL, "phone": "250788000666", "password": PASSWORD}
    assert legacy.post("register", other, **ATTACKER).status_code == 200  # a sign-up of its own
    assert db.fetch_one("SELECT COUNT(*) AS n FROM waiting_users", ())["n"] == 2
    right = {"email": EMAIL, "email_otp": owner_code, "auth_code": totp(owner["secret"])}
    assert legacy.post("verify", right).status_code == 200
    assert db.fetch_one("SELECT COUNT(*) AS n FROM waiting_users", ())["n"] == 0
    assert db.fetch_one("SELECT names FROM users", ())["names"] == "Alice"


def test_failed_sign_ups_never_lock_the_account_the_email_later_gets(defence, legacy, db):
    other = {"names": "Mallory", "email": EMAIL, "phone": "250788000666", "password": PASSWORD}
    wrong = {"email": EMAIL, "email_otp": "000000", "auth_code": "000000"}
    for _ in range(5):  # the attacker starts over and over, waiting out its delays
        legacy.post("register", other, **ATTACKER)
        for _ in range(5):
            response = legacy.post("verify", wrong, **ATTACKER)
            if "Retry-After" in response.headers:
                CLOCK.advance(int(response.headers["Retry-After"]))
    # ACCOUNT_BACKOFF_AFTER (6) in all; then only the attacker's own sign-up's last tries (at
    # most MAX_FAILED_ATTEMPTS), and no new sign-up to bring fresh ones
    assert 6 <= counter(db, "signup") < 6 + 5
    assert legacy.post("register", other, **ATTACKER).status_code == 429  # no fresh codes
    stop = next(m for m in legacy.mailbox if "were stopped" in m.subject)
    token = re.search(r'"token": "([\w-]+)"', stop.text).group(1)
    unlocked = legacy.client.post("/api/auth/unlock", json={"token": token})
    assert unlocked.status_code == 200  # the owner, who alone reads the mail, starts over
    secret = legacy.register()["secret"]  # from their own client
    right = {"email": EMAIL, "email_otp": legacy.last_code(EMAIL), "auth_code": totp(secret)}
    assert legacy.post("verify", right).status_code == 200
    assert counter(db, "second-factor") == 0


def test_a_sign_up_left_behind_by_a_race_does_not_turn_logins_into_registrations(legacy, db):
    secret = legacy.enrolled()
    db.execute(  # as a sign-up written just after the owner's verify would leave it
        "INSERT INTO waiting_users (names, email, phone, password, email_otp, auth_code, "
        "otp_expires_at, otp_client) VALUES ('M', ?, '1234567', 'h', 'x', 'y', 0, '10.9.9.9')",
        (EMAIL,),
    )
    code = legacy.login()
    verify = legacy.post(
        "verify", {"email": EMAIL, "email_otp": code, "auth_code": totp(secret, 1)}
    )
    assert verify.json["message"] == "Login verification successful"
    register = {"email": EMAIL, "email_otp": "000000", "auth_code": "000000", "type": "register"}
    assert legacy.post("verify", register).status_code == 409
    assert db.fetch_one("SELECT COUNT(*) AS n FROM waiting_users", ())["n"] == 0


def test_strangers_together_back_off_at_the_accounts_ceiling(defence, legacy):
    legacy.enrolled()
    legacy.login()
    body = {"email": EMAIL, "email_otp": "000000", "auth_code": "000000"}
    statuses = [
        legacy.post("verify", body, **from_ip(f"198.51.100.{n}")).status_code for n in range(8)
    ]
    assert statuses == [401] * 6 + [429] * 2


def race(app, path, body, headers=None, requests=20):
    """POST body from 20 threads released together; their (status, JSON body)."""

    def send():
        response = app.test_client().post(path, json=body, headers=headers or {})
        return response.status_code, response.json

    return together(send, requests)


def test_twenty_concurrent_wrong_guesses_on_one_challenge_evaluate_no_more_than_the_limit(
    twofa, twofa_app, db
):
    secret = twofa.user()
    challenge = twofa.challenge()
    headers = {"Authorization": f"Bearer {challenge}"}
    answers = race(twofa_app, "/api/auth/2fa/verify", {"otp": wrong_totp(secret)}, headers)
    wrong = [a for a in answers if a == (401, {"success": False, "message": "Invalid code"})]
    assert 1 <= len(wrong) == events(db, "second_factor_failed") <= 5
    refused = [a for a in answers if a not in wrong]  # backed off, or the challenge worn out
    assert all(
        status in (401, 429) and "Invalid" not in body["message"] for status, body in refused
    )


def test_twenty_concurrent_wrong_guesses_on_one_mfa_php_code_evaluate_no_more_than_the_limit(
    legacy, app, db
):
    secret = legacy.enrolled()
    legacy.login()
    body = {"email": EMAIL, "email_otp": "000000", "auth_code": totp(secret, 1)}
    answers = race(app, "/mfa-php/api/verify", body)
    wrong = [a for a in answers if a[1]["error"] == "Invalid OTP or authentication code"]
    assert 1 <= len(wrong) == events(db, "second_factor_failed") <= 5
    assert all(status == 429 for status, _ in answers if (status, _) not in wrong)


@pytest.fixture
def unlock_url(defence):
    """Lock notices link to the app's own unlock page (ask for it before `twofa`)."""
    defence["UNLOCK_URL"] = "https://app.example/{lang}/unlock?token={token}"


def test_the_lock_notice_links_to_unlock_url_when_set(unlock_url, twofa):
    fail_until_locked(twofa, twofa.user())
    notice = next(m for m in twofa.mailbox if "is locked" in m.subject)
    token = re.search(r"/\{lang\}/unlock\?token=([\w-]+)", notice.text).group(1)
    assert twofa.post("unlock", body={"token": token}).status_code == 200


def test_one_client_alone_never_slows_the_account_for_others(defence, twofa):
    twofa.user()
    wrong = {"email": EMAIL, "password": "wrong-password"}
    attacker = from_ip("10.0.0.1")
    evaluated = 0
    for _ in range(30):  # patient: waits out every delay it is given
        response = twofa.post("login", body=wrong, **attacker)
        if response.status_code == 429:
            CLOCK.advance(int(response.headers["Retry-After"]))
        else:
            evaluated += 1
    assert evaluated > 6  # past the account-wide ceiling, had it counted them all
    right = {"email": EMAIL, "password": PASSWORD}
    assert twofa.post("login", body=right, **from_ip("10.0.9.9")).status_code == 200


def test_a_client_that_logged_in_lately_does_not_count_toward_the_owners_notice(defence, twofa, db):
    twofa.user()
    right = {"email": EMAIL, "password": PASSWORD}
    home = from_ip("192.0.2.10")
    assert twofa.post("login", body=right, **home).status_code == 200
    wrong = {"email": EMAIL, "password": "wrong-password"}
    for _ in range(3):
        twofa.post("login", body=wrong, **home)  # the owner mistyping
    assert counter(db, "password") == 0
    for n in range(3):  # many clients, 3 wrong passwords each: nobody else waits
        for _ in range(3):
            twofa.post("login", body=wrong, **from_ip(f"198.51.100.{n}"))
    assert twofa.post("login", body=right, **from_ip("203.0.113.9")).status_code == 200


def test_one_ipv6_subscriber_is_one_client(defence, twofa):
    twofa.user()
    wrong = {"email": EMAIL, "password": "wrong-password"}
    statuses = [
        twofa.post("login", body=wrong, **from_ip(f"2001:db8:1:2::{n:x}")).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]  # one /64: one client


def test_a_password_holder_guessing_from_other_clients_is_stopped_at_the_lock_count(
    defence, legacy
):
    legacy.enrolled()
    statuses = []
    for n in range(4):  # a code from the password's client, guesses from others
        legacy.login()
        for k in range(3):
            guess = {"email": EMAIL, "email_otp": "000000", "auth_code": "000000"}
            response = legacy.post("verify", guess, **from_ip(f"198.51.{n}.{k}"))
            if response.status_code == 429 and "Retry-After" in response.headers:
                CLOCK.advance(int(response.headers["Retry-After"]))
                response = legacy.post("verify", guess, **from_ip(f"198.51.{n}.{k}"))
            statuses.append(response.status_code)
    assert statuses.count(401) == 8  # LOCK_AFTER evaluated, then refused
    assert statuses[-1] == 429
    assert "device that asked for it" in response.json["error"]


def test_the_user_may_finish_from_another_client_than_the_one_that_logged_in(legacy):
    secret = legacy.enrolled()
    code = legacy.login()
    right = {"email": EMAIL, "email_otp": code, "auth_code": totp(secret, 1)}
    assert legacy.post("verify", right, **from_ip("192.0.2.77")).status_code == 200


def test_the_user_is_mailed_when_wrong_codes_start_to_be_slowed(defence, twofa):
    secret = twofa.user()
    for _ in range(3):
        twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    notices = [m for m in twofa.mailbox if "wrong codes were entered" in m.text]
    assert len(notices) == 1


@pytest.fixture
def lowered_lock(defence):
    """LOCK_AFTER lowered below a counter that already stands (ask for it before `twofa`)."""
    defence["LOCK_AFTER"] = 3


def test_a_counter_past_a_lowered_lock_after_is_locked_with_its_notice(lowered_lock, twofa, db):
    secret = twofa.user()
    db.execute(
        "INSERT INTO attempt_counters (scope, subject, failures, next_attempt_at, updated_at) "
        "VALUES ('second-factor', ?, 5, 0, 0)",
        (EMAIL,),
    )
    for _ in range(2):
        assert twofa.post("login", body={"email": EMAIL, "password": PASSWORD}).status_code == 423
    assert len([m for m in twofa.mailbox if "is locked" in m.subject]) == 1
    token = unlock_token(twofa.mailbox)
    assert twofa.post("unlock", body={"token": token}).status_code == 200
    assert twofa.post("2fa/verify", twofa.challenge(), {"otp": totp(secret, 1)}).status_code == 200


def test_twenty_concurrent_wrong_guesses_on_fresh_challenges_evaluate_no_more_than_back_off(
    defence, twofa, twofa_app, db
):
    secret = twofa.user()
    challenges = [twofa.challenge() for _ in range(20)]

    def send():
        token = challenges.pop()
        response = twofa_app.test_client().post(
            "/api/auth/2fa/verify",
            json={"otp": wrong_totp(secret)},
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code

    statuses = together(send, 20)
    assert statuses.count(401) == events(db, "second_factor_failed") <= 3  # BACKOFF_AFTER


def test_an_email_too_long_to_be_one_is_a_400_not_a_500(twofa):
    long_email = "a" * 300 + "@example.com"
    assert twofa.post("login", body={"email": long_email, "password": PASSWORD}).status_code == 400
    legacy = twofa.legacy.post("login", {"email": long_email, "password": PASSWORD})
    assert legacy.status_code == 400
