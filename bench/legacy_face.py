"""Benchmark of the mfa-php face, in-process, as ratios measured in one run.

    python -m bench.legacy_face [--db sqlite|mysql] [--hash argon2id|bcrypt] [--rounds N]

What it compares against: a bare password check at the same scheme and cost (the floor of any
login: Argon2id at the settings' defaults, or bcrypt at --rounds), and a
trivial request through the same app (the floor of any request). It also prints how long a
wrong password takes for each kind of email relative to an unknown one: unknown, pending
(a sign-up not verified yet), current (a hash of the configured scheme and cost) and
upgraded (mfa-php's $2y$10$, not logged in since): they should all be about equal (0.9 to
1.1), so that nobody learns which emails exist or which accounts came from mfa-php.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable

import bcrypt
from cryptography.fernet import Fernet

from mfa_api import create_app
from mfa_api.db import connect
from mfa_api.migrate import upgrade
from mfa_api.security import otp
from mfa_api.security.crypto import keyed_hash
from mfa_api.security.passwords import verify_password
from mfa_api.state import fill, state_of

PREFIX = "/mfa-php/api"
PASSWORD = "bench-password-1"


def median_seconds(action: Callable[[], object], runs: int, prepare=None) -> float:
    """The median time of `runs` calls of action (prepare runs untimed before each)."""
    times = []
    for _ in range(runs):
        if prepare:
            prepare()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class _Discard:
    """A mailer that sends nothing (the figures are about the service, not an SMTP server)."""

    def send(self, email) -> None:
        """Drop the message."""


def build_app(db_kind: str, scheme: str, rounds: int, workdir: str):
    """An app on a fresh database with one verified user; (app, user's TOTP secret)."""
    if db_kind == "mysql":
        url = os.environ.get("MFA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
        name = f"mfa_bench_{os.getpid()}"
        server = connect(url)
        server.execute(f"DROP DATABASE IF EXISTS {name}")
        server.execute(f"CREATE DATABASE {name}")
        server.close()
        url = url.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{workdir}/bench.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "Hk2sN8pX4vB7qL1zR9tY3wC6mJ0fG5dA_eU-iO8rT2k",
            "DATABASE_URL": url,
            "MAIL_SERVER": "localhost",  # an SMTP mailer, swapped below for one that discards
            "PASSWORD_HASH": scheme,
            "BCRYPT_ROUNDS": rounds,
            "RATELIMIT_ENABLED": False,  # else repeated logins would be answered 429, fast
            "BACKOFF_AFTER": 100,  # likewise the account defence's back-off (at its maximum)
            "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
            "ACCOUNT_BACKOFF_AFTER": 10000,
        }
    )
    parts = fill(app, mailer=_Discard())
    conn = connect(url)
    upgrade(conn)
    secret = otp.new_totp_secret()
    password_hash = parts.settings.hasher.hash(PASSWORD)
    insert = (
        "INSERT INTO users (names, email, phone, password, is_verified, auth_code, otp, trials) "
        "VALUES ('Bench', ?, ?, ?, 1, ?, '', 0)"
    )
    conn.execute(insert, ("bench@example.com", "250788000000", password_hash, secret))
    php_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()
    php_hash = php_hash.replace("$2b$", "$2y$", 1)  # as mfa-php's password_hash wrote it
    conn.execute(insert, ("upgraded@example.com", "250788000001", php_hash, secret))
    conn.execute(
        "INSERT INTO waiting_users (names, email, phone, password, email_otp, auth_code, "
        "otp_client) VALUES ('Pending', 'pending@example.com', '250788000002', ?, 'x', ?, 'b')",
        (password_hash, secret),
    )
    conn.close()
    return app, secret


def run(db_kind: str, scheme: str, rounds: int, runs: int) -> None:
    """Measure and print the table."""
    logging.getLogger("mfa_api.requests").setLevel(logging.WARNING)  # a line per request: noise
    with tempfile.TemporaryDirectory() as workdir:
        app, secret = build_app(db_kind, scheme, rounds, workdir)
        client = app.test_client()
        reference = state_of(app).settings.hasher.dummy

        def post(endpoint, body):
            response = client.post(f"{PREFIX}/{endpoint}", json=body)
            return response.status_code

        floor_check = median_seconds(lambda: verify_password("x", reference), runs)
        floor_request = median_seconds(lambda: post("nothing", {}), runs * 10)
        login_ok = median_seconds(
            lambda: post("login", {"email": "bench@example.com", "password": PASSWORD}), runs
        )
        wrong = {
            kind: median_seconds(
                lambda kind=kind: post("login", {"email": f"{kind}@example.com", "password": "x"}),
                runs,
            )
            for kind in ("nobody", "pending", "bench", "upgraded")
        }

        code = "123456"
        code_hash = keyed_hash(state_of(app).settings.otp_key, code)
        conn = connect(app.config["DATABASE_URL"])

        def fresh_code():
            conn.execute(
                "UPDATE users SET otp = ?, otp_expires_at = ?, trials = 0, totp_last_step = NULL, "
                "otp_purpose = 'login', otp_client = '127.0.0.1' WHERE email = 'bench@example.com'",
                (code_hash, int(time.time()) + 300),
            )

        def verify():
            now = int(time.time())
            codes = {"email_otp": code, "auth_code": otp.totp_code(secret, now)}
            return post("verify", {"email": "bench@example.com", **codes})

        verify_ok = median_seconds(verify, runs * 10, prepare=fresh_code)
        if db_kind == "mysql":
            conn.execute("DROP DATABASE " + app.config["DATABASE_URL"].rsplit("/", 1)[1])
        conn.close()

    hashing = f"bcrypt cost {rounds}" if scheme == "bcrypt" else "Argon2id (defaults)"
    print(f"database: {db_kind}, {hashing}, medians of {runs} (x10 for fast ones)")
    print(f"  floor: bare password check        {floor_check * 1000:8.2f} ms")
    print(f"  floor: trivial request (404)      {floor_request * 1000:8.2f} ms")
    print(f"  /login, right password            {login_ok / floor_check:8.2f} x a check")
    print(f"  /verify (login, both codes)       {verify_ok / floor_request:8.2f} x trivial request")
    unknown = wrong["nobody"]
    print("  wrong password, time / unknown email's (goal 0.9 to 1.1):")
    for kind, label in (("pending", "pending"), ("bench", "current"), ("upgraded", "upgraded")):
        print(f"    {label:<10}{wrong[kind] / unknown:8.2f}")


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "mysql"], default="sqlite")
    parser.add_argument("--hash", choices=["argon2id", "bcrypt"], default="argon2id")
    parser.add_argument("--rounds", type=int, default=12, help="bcrypt cost (with --hash bcrypt)")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    run(args.db, args.hash, args.rounds, args.runs)


if __name__ == "__main__":
    main()
