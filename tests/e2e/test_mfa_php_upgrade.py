"""An mfa-php database, upgraded in place by `init-db`, serves its users through gunicorn."""

import time

import pytest

from mfa_api.db import connect
from mfa_api.security.otp import totp_code
from tests.e2e.server import Gunicorn, flask_command, init_db, service_env
from tests.legacy_dump import ALICE, BOB, CAROL, load_dump
from tests.services import fresh_mysql_database
from tests.smtp import SmtpSink

API = "/mfa-php/api"


@pytest.fixture
def upgraded_server():
    """gunicorn on mfa-php's dump after `init-db` (run twice), mail through a real SMTP server."""
    smtp = SmtpSink().start()
    with fresh_mysql_database() as url:
        load_dump(url)
        env = service_env(  # the production defaults for password hashing
            DATABASE_URL=url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp.port,
            ARGON2_TIME_COST=2,
            ARGON2_MEMORY_KIB=19456,
            LEGACY_BCRYPT_COST=10,
        )
        assert "002_mfa_api" in init_db(env)
        assert "up to date" in init_db(env)
        with Gunicorn(env) as server:
            yield server, smtp, url, env
    smtp.stop()


def totp(secret: str, steps_ahead: int = 0) -> str:
    # pyotp (the other tests' oracle) refuses mfa-php's 80-bit secrets; this function is the
    # one checked against RFC 6238's vectors in tests/unit/test_otp.py.
    return totp_code(secret, int(time.time()) + 30 * steps_ahead)


def login_and_verify(server, smtp, user) -> tuple[int, dict]:
    status, body = server.post(
        API + "/login", {"email": user["email"], "password": user["password"]}
    )
    assert status == 200, body
    return server.post(
        API + "/verify",
        {
            "email": user["email"],
            "email_otp": smtp.last_code(user["email"]),
            "auth_code": totp(user["secret"]),
        },
    )


def test_existing_users_log_in_with_their_old_passwords_and_secrets(upgraded_server):
    server, smtp, url, _ = upgraded_server
    for user in (ALICE, BOB):
        status, body = login_and_verify(server, smtp, user)
        assert status == 200, body
        assert body["data"]["token"]
    db = connect(url)
    try:
        alice = db.fetch_one("SELECT password FROM users WHERE email = ?", (ALICE["email"],))
    finally:
        db.close()
    # mfa-php's $2y$10$ re-hashed to Argon2id at OWASP's parameters on login
    assert alice["password"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_bobs_stale_plain_code_never_verifies(upgraded_server):
    server, _, _, _ = upgraded_server
    status, body = server.post(
        API + "/verify",
        {"email": BOB["email"], "email_otp": "215075", "auth_code": totp(BOB["secret"])},
    )
    assert status == 401, body


def test_carols_old_pending_code_has_expired_and_she_can_register_again(upgraded_server):
    server, smtp, url, _ = upgraded_server
    # Carol comes back under another address than the dump's (mfa-php's .test ones are taken
    # too, unless REJECT_SPECIAL_USE_DOMAINS): her old pending sign-up must not be found by it.
    email = "carol@mail.example.com"
    db = connect(url)
    try:
        db.execute("UPDATE waiting_users SET email = ?", (email,))
    finally:
        db.close()
    status, body = server.post(
        API + "/verify", {"email": email, "email_otp": "822763", "auth_code": totp(CAROL["secret"])}
    )
    assert (status, body["error"]) == (401, "OTP has expired")
    registration = {
        "names": "Carol Pending",
        "email": email,
        "phone": "250700000003",
        "password": CAROL["password"],
    }
    status, body = server.post(API + "/register", registration)
    assert status == 200, body
    status, body = server.post(
        API + "/verify",
        {
            "email": email,
            "email_otp": smtp.last_code(email),
            "auth_code": totp(body["data"]["secret"]),
        },
    )
    assert (status, body["message"]) == (200, "Registration verification successful")


def test_rotate_keys_encrypts_the_plain_secrets_mfa_php_left_and_they_still_verify(
    upgraded_server,
):
    server, smtp, url, env = upgraded_server
    output = flask_command(env, "rotate-keys")
    assert "users.auth_code: 2 re-encrypted" in output
    db = connect(url)
    try:
        stored = [r["auth_code"] for r in db.fetch_all("SELECT auth_code FROM users", ())]
    finally:
        db.close()
    assert all(value.startswith("enc:") for value in stored)
    assert ALICE["secret"] not in " ".join(stored)
    status, body = login_and_verify(server, smtp, ALICE)
    assert status == 200, body
