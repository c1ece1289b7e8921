"""The 2FA face's seed flows through gunicorn (2 workers), Redis and a real SMTP server."""

import threading
import time

import pytest

from tests.e2e.server import Gunicorn, init_db, register_user, service_env, totp
from tests.services import fresh_redis_prefix
from tests.smtp import SmtpSink

EMAIL = "grace@example.com"
PASSWORD = "grace-long-password"


@pytest.fixture
def stack(database_url):
    """gunicorn with 2 workers on a fresh database, Redis under its own prefix, real SMTP."""
    smtp = SmtpSink().start()
    with fresh_redis_prefix() as (redis_url, prefix):
        env = service_env(
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            REDIS_PREFIX=prefix,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp.port,
            BCRYPT_ROUNDS=10,
            RATELIMIT_LOGIN="6 per minute",
            # The request rate limit is under test here, not the account counters' back-off.
            BACKOFF_AFTER=50,
            ACCOUNT_BACKOFF_AFTER=50,
        )
        init_db(env)
        with Gunicorn(env, workers=2) as server:
            yield server, smtp
    smtp.stop()


def register(server, smtp) -> str:
    return register_user(server, smtp, EMAIL, PASSWORD, "250788555666")


def challenge(server) -> str:
    status, body = server.post("/api/auth/login", {"email": EMAIL, "password": PASSWORD})
    assert status == 200 and body["requires2fa"], body
    return body["challengeToken"]


def test_seed_flows(stack):
    server, smtp = stack
    secret = register(server, smtp)

    # login -> challenge -> TOTP -> access (each TOTP step is accepted once: -1, 0, +1)
    status, body = server.post("/api/auth/2fa/verify", {"otp": totp(secret)}, challenge(server))
    assert status == 200, body
    access = body["accessToken"]

    # backup codes (step-up: password and a TOTP) -> recover
    step_up = {"password": PASSWORD, "otp": totp(secret, 1)}
    status, body = server.post("/api/auth/2fa/backup-codes", step_up, access)
    codes = body["backupCodes"]
    assert status == 200 and len(codes) == 10
    assert server.post("/api/auth/2fa/setup", {}, access)[0] == 401  # earlier tokens ended
    status, body = server.post(
        "/api/auth/2fa/recover", {"backup_code": codes[0]}, challenge(server)
    )
    assert status == 200 and body["remainingBackupCodes"] == 9, body

    # resend by email -> verify
    token = challenge(server)
    mails_before = len(smtp.inbox)
    status, body = server.post("/api/auth/2fa/resend-otp", {"channel": "email"}, token)
    assert (status, body["message"]) == (200, "OTP sent via email")
    deadline = time.monotonic() + 5
    while len(smtp.inbox) == mails_before and time.monotonic() < deadline:
        time.sleep(0.05)
    status, body = server.post("/api/auth/2fa/verify", {"code": smtp.last_code(EMAIL)}, token)
    assert status == 200, body
    access = body["accessToken"]

    # disable (step-up with a backup code) -> login without 2FA -> setup -> verify -> enable
    step_up = {"password": PASSWORD, "otp": codes[1]}
    status, body = server.post("/api/auth/2fa/disable", step_up, access)
    assert status == 200, body
    assert any("turned off" in smtp.text_of(m) for m in smtp.inbox)
    status, body = server.post("/api/auth/login", {"email": EMAIL, "password": PASSWORD})
    assert status == 200 and body["requires2fa"] is False
    access = body["accessToken"]
    status, body = server.post("/api/auth/2fa/setup", {}, access)
    assert status == 200 and body["qrCodeUrl"].startswith("data:image/png;base64,")
    new_secret = body["secretKey"]
    status, body = server.post("/api/auth/2fa/verify", {"otp": totp(new_secret)}, access)
    assert (status, body["message"]) == (200, "Code verified successfully")
    status, body = server.post("/api/auth/2fa/enable", {"password": PASSWORD}, access)
    assert status == 200, body
    status, body = server.post(
        "/api/auth/2fa/verify", {"otp": totp(new_secret, 1)}, challenge(server)
    )
    assert status == 200, body

    # logout on one worker holds on the other (the deny-list is in Redis)
    token = body["accessToken"]
    assert server.post("/api/auth/logout", {}, token)[0] == 200
    assert all(server.post("/api/auth/2fa/backup-codes", {}, token)[0] == 401 for _ in range(4))


def test_a_rate_limit_holds_across_both_workers(stack):
    server, _ = stack
    statuses = []
    start = threading.Barrier(2)

    def hammer():
        start.wait()
        for _ in range(5):
            body = {"email": EMAIL, "password": "wrong-password"}
            statuses.append(server.post("/api/auth/login", body)[0])

    threads = [threading.Thread(target=hammer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 6 + [429] * 4
    assert len(server.worker_pids("/api/auth/login")) == 2, "both workers should have answered"
