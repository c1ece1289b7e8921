"""The account defence through gunicorn, as an attacker meets it: concurrent guesses on gthread
workers, and a patient attacker who has the password, backed off and then locked out."""

import re
import time
from contextlib import contextmanager

import pytest

from mfa_api.db import connect
from tests.e2e.server import (
    Gunicorn,
    flask_command,
    init_db,
    register_user,
    service_env,
    totp,
)
from tests.helpers import together
from tests.services import fresh_redis_prefix
from tests.smtp import SmtpSink

EMAIL = "target@example.com"
PASSWORD = "target-long-password"


def wrong(secret):
    near = {totp(secret, ahead) for ahead in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


@contextmanager
def service(database_url, redis: bool, **settings):
    """gunicorn (2 gthread workers of 8 threads) on a fresh database, with or without Redis."""
    smtp = SmtpSink().start()
    try:
        with redis_settings(redis) as cache:
            env = service_env(
                DATABASE_URL=database_url,
                MAIL_SERVER="127.0.0.1",
                MAIL_PORT=smtp.port,
                BCRYPT_ROUNDS=4,
                **cache,
                **settings,
            )
            init_db(env)
            with Gunicorn(env, workers=2, threads=8) as server:
                yield server, smtp, env
    finally:
        smtp.stop()


@contextmanager
def redis_settings(redis: bool):
    """REDIS_URL and a prefix of the test's own, or nothing."""
    if not redis:
        yield {}
        return
    with fresh_redis_prefix() as (url, prefix):
        yield {"REDIS_URL": url, "REDIS_PREFIX": prefix}


def register(server, smtp) -> str:
    return register_user(server, smtp, EMAIL, PASSWORD, "250788123123")


def challenge(server) -> tuple[int, dict]:
    return server.post("/api/auth/login", {"email": EMAIL, "password": PASSWORD})


def failed_events(database_url) -> int:
    db = connect(database_url)
    try:
        row = db.fetch_one(
            "SELECT COUNT(*) AS n FROM security_events WHERE event = 'second_factor_failed'", ()
        )
        return row["n"]
    finally:
        db.close()


@pytest.mark.parametrize("redis", [False, True], ids=["no-redis", "redis"])
def test_twenty_concurrent_wrong_guesses_are_evaluated_at_most_five_times(database_url, redis):
    with service(database_url, redis, RATELIMIT_ENABLED="false") as (server, smtp, _):
        secret = register(server, smtp)

        token = challenge(server)[1]["challengeToken"]
        answers = together(
            lambda: server.post("/api/auth/2fa/verify", {"otp": wrong(secret)}, token), 20
        )
        evaluated = [a for a in answers if a[1]["message"] == "Invalid code"]
        assert 1 <= len(evaluated) <= 5, answers
        assert {status for status, _ in answers} <= {401, 429}

        time.sleep(1.1)  # the back-off the five earned (BACKOFF_BASE_SECONDS, 1 by default)
        status, body = server.post(
            "/api/auth/2fa/verify", {"otp": totp(secret)}, challenge(server)[1]["challengeToken"]
        )
        assert status == 200, body  # a success clears the account's counters

        assert server.post("/mfa-php/api/login", {"email": EMAIL, "password": PASSWORD})[0] == 200
        guess = {"email": EMAIL, "email_otp": "000000", "auth_code": wrong(secret)}
        answers = together(lambda: server.post("/mfa-php/api/verify", guess), 20)
        wrong_code = [a for a in answers if a[1]["error"] == "Invalid OTP or authentication code"]
        assert 1 <= len(wrong_code) <= 5, answers
        assert {status for status, _ in answers} <= {401, 429}
        assert failed_events(database_url) == len(evaluated) + len(wrong_code)


def lock_notices(smtp):
    return [m for m in smtp.inbox if "is locked" in m["Subject"]]


def test_a_patient_attacker_is_backed_off_then_locked_until_the_user_unlocks(database_url):
    settings = {
        "BACKOFF_AFTER": 2,
        # 2 s at least, so that a slow machine never outlives a delay between two requests.
        "BACKOFF_BASE_SECONDS": 2,
        "BACKOFF_MAX_SECONDS": 8,
        "LOCK_AFTER": 5,
        "RATELIMIT_2FA_VERIFY": "100 per minute",
    }
    with service(database_url, True, **settings) as (server, smtp, env):
        secret = register(server, smtp)
        verify = "/api/auth/2fa/verify"

        def guess(token):
            return server.exchange("POST", verify, {"otp": wrong(secret)}, token)

        first = challenge(server)[1]["challengeToken"]
        assert [guess(first)[0] for _ in range(2)] == [401, 401]
        waits = []
        token = first
        for _ in range(2):  # fresh challenges and resends bring no fresh tries
            assert server.post("/api/auth/2fa/resend-otp", {}, token)[0] == 200
            status, body, headers = guess(token)
            assert status == 429 and "try again" in body["message"], (body, headers)
            waits.append(int(headers["Retry-After"]))
            token = challenge(server)[1]["challengeToken"]
            status, _, headers = guess(token)
            assert status == 429
            time.sleep(int(headers["Retry-After"]))
            assert guess(token)[0] == 401
        status, _, headers = guess(token)
        waits.append(int(headers["Retry-After"]))
        # refused unevaluated, with a growing delay (whole seconds: 1 less past a second's turn)
        assert waits[0] < waits[1] < waits[2]
        assert all(d - 1 <= w <= d for w, d in zip(waits, (2, 4, 8), strict=True)), waits
        time.sleep(8)
        status, body, _ = guess(token)
        assert status == 423, body  # the fifth evaluated failure locks
        right = server.post(verify, {"otp": totp(secret)}, token)
        assert right[0] == 423  # even the right code, until unlocked
        assert challenge(server)[0] == 423

        notices = lock_notices(smtp)
        assert len(notices) == 1
        token_in_mail = re.search(r'"token": "([^"]+)"', smtp.text_of(notices[0])).group(1)
        assert server.post("/api/auth/unlock", {"token": token_in_mail})[0] == 200
        status, body = server.post(
            verify, {"otp": totp(secret)}, challenge(server)[1]["challengeToken"]
        )
        assert status == 200, body

        token = challenge(server)[1]["challengeToken"]  # and again, until an admin unlocks
        for _ in range(10):
            status, _, headers = guess(token)
            if status == 423:
                break
            if status == 429:
                time.sleep(int(headers["Retry-After"]))
        assert status == 423
        assert len(lock_notices(smtp)) == 2  # one notice per lock
        assert "Unlocked" in flask_command(env, "users", "unlock", EMAIL)
        status, body = server.post(
            verify, {"otp": totp(secret, 1)}, challenge(server)[1]["challengeToken"]
        )
        assert status == 200, body
