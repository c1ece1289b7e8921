"""A real mfa-php client's whole journey against gunicorn, with mail through a real SMTP server."""

import re
import time

import pyotp
import pytest

from mfa_api.security import tokens
from mfa_api.security.crypto import derive_key
from tests.e2e.server import SECRET_KEY, Gunicorn, init_db, service_env
from tests.smtp import SmtpSink

API = "/mfa-php/api"
EMAIL = "newcomer@example.com"


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def at(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def test_register_verify_login_verify_through_gunicorn_and_smtp(database_url, smtp):
    env = service_env(DATABASE_URL=database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    assert "Applied: 001_mfa_php, 002_mfa_api, 003_twofa, 004_account_defence, 005" in init_db(env)
    assert "up to date" in init_db(env)
    with Gunicorn(env, workers=2) as server:
        status, body = server.post(
            API + "/register",
            {
                "names": "New Comer",
                "email": EMAIL,
                "phone": "+250 788 111 222",
                "password": "a-long-password",
            },
        )
        assert status == 200, body
        secret = body["data"]["secret"]
        status, body = server.post(
            API + "/verify",
            {"email": EMAIL, "email_otp": smtp.last_code(EMAIL), "auth_code": at(secret)},
        )
        assert (status, body["message"]) == (200, "Registration verification successful")

        status, body = server.post(
            API + "/index.php?path=login", {"email": EMAIL, "password": "a-long-password"}
        )
        assert (status, body["message"]) == (200, "OTP generated")
        code = smtp.last_code(EMAIL)
        assert len(smtp.inbox) == 2
        status, body = server.post(
            API + "/verify",
            {"email": EMAIL, "email_otp": code, "auth_code": at(secret, 1), "type": "login"},
        )
        assert (status, body["message"]) == (200, "Login verification successful")
        claims = tokens.decode_token(
            body["data"]["token"],
            key=derive_key(SECRET_KEY, "jwt"),
            kind=tokens.ACCESS,
            now=int(time.time()),
        )
        assert claims["user_id"] >= 1
        status, _ = server.post(
            API + "/verify", {"email": EMAIL, "email_otp": code, "auth_code": at(secret, 1)}
        )
        assert status == 401  # used up, whichever worker answers


def test_in_development_with_no_mail_server_a_newcomer_reads_the_code_from_the_log(tmp_path):
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/dev.sqlite3", ALLOW_DEVELOPMENT_MODE="true"
    )
    env["FLASK_DEBUG"] = "1"  # as `make run` starts it; production refuses to log codes
    init_db(env)
    with Gunicorn(env, workers=1) as server:
        status, body = server.post(
            API + "/register",
            {
                "names": "Dev",
                "email": EMAIL,
                "phone": "250788333444",
                "password": "a-long-password",
            },
        )
        assert status == 200
        deadline = time.monotonic() + 5
        while not re.search(r"code is: (\d{6})", server.output()) and time.monotonic() < deadline:
            time.sleep(0.05)
        code = re.search(r"code is: (\d{6})", server.output()).group(1)
        status, body = server.post(
            API + "/verify",
            {"email": EMAIL, "email_otp": code, "auth_code": at(body["data"]["secret"])},
        )
        assert status == 200
